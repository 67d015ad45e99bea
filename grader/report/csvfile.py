"""The class CSV: one row per learner (graded or not), written from the gradebook's entries.

Every text cell that a spreadsheet would read as a formula is neutralised (OWASP's advice for
CSV injection): learners choose their file names, and course staff open the CSV in a sheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.files import write_atomically
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
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([cell(c) for c in columns])
    writer.writerows([cell(c) for c in row] for row in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text.getvalue())


FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def cell(value: Any) -> Any:
    """A value for a CSV cell: text a spreadsheet would run as a formula (a learner's file
    named ``=HYPERLINK(...).py``) gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return value
