"""The class CSV: one row per learner (graded or not), written from the gradebook's entries."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.model import Summary


def write(path: Path, summary: Summary, case_names: Sequence[str]) -> None:
    """One row per learner (graded or not), atomically; case columns hold verdicts."""
    fixed = [
        "learner",
        "file",
        "sha256",
        "status",
        "score",
        "points",
        "max_points",
        "error_kind",
        "note",
    ]
    columns = [*fixed, *(f"case: {n}" if n in fixed else n for n in case_names)]
    rows: list[list[Any]] = []
    for entry in summary.entries:
        doc = entry.document
        verdicts = {c["name"]: c["verdict"] for c in doc["cases"]}
        rows.append(
            [
                entry.learner,
                entry.path,
                entry.sha256,
                doc["status"],
                doc["score"],
                doc["points"],
                doc["max_points"],
                (doc["error"] or {}).get("kind", ""),
                "",
                *(verdicts.get(n, "") for n in case_names),
            ]
        )
    for learner, why in summary.not_graded:
        rows.append([learner, "", "", "not_graded", "", "", "", "", why, *[""] * len(case_names)])
    rows.sort(key=lambda row: str(row[0]))
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
    tmp.replace(path)
