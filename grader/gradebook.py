"""The gradebook: every recorded attempt, in an embedded SQLite database.

One row per attempt: learner, problem, time, the submission's bytes and sha256, the full result
document, score and status. The database runs in WAL mode and each attempt is one transaction:
a crash mid-write loses nothing recorded before it, and readers never block the writer.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.score import Result

DEFAULT = Path(".grader") / "gradebook.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    learner TEXT NOT NULL,
    problem TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_learner ON attempts (learner, problem);
"""


@dataclass(frozen=True)
class Attempt:
    id: int
    learner: str
    problem: str
    submitted_at: str
    path: str
    sha256: str
    status: str
    score: float


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the gradebook at ``path``; a UsageError if it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(f"cannot open the gradebook {path}: {exc}") from None
    return db


def record(db: sqlite3.Connection, result: Result, content: bytes, learner: str) -> int:
    """Store one attempt in its own transaction; returns its id."""
    with db:
        cursor = db.execute(
            "INSERT INTO attempts (learner, problem, submitted_at, path, sha256, content, status,"
            " score, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                learner,
                result.problem,
                result.graded_at,
                result.path,
                result.sha256,
                content,
                result.status.value,
                result.score,
                json.dumps(result.document()),
            ),
        )
    return int(cursor.lastrowid or 0)


def history(
    db: sqlite3.Connection, problem: str | None = None, learner: str | None = None
) -> list[Attempt]:
    query = (
        "SELECT id, learner, problem, submitted_at, path, sha256, status, score "
        "FROM attempts WHERE (? IS NULL OR problem = ?) AND (? IS NULL OR learner = ?) "
        "ORDER BY id"
    )
    rows = db.execute(query, (problem, problem, learner, learner)).fetchall()
    return [Attempt(*row) for row in rows]


def render(attempts: list[Attempt]) -> str:
    if not attempts:
        return "No attempts recorded.\n"
    out = [f"{'#':>4}  {'when':<25} {'learner':<12} {'problem':<26} {'score':>7}  status  file"]
    for a in attempts:
        out.append(
            f"{a.id:>4}  {a.submitted_at:<25} {a.learner:<12} {a.problem:<26} "
            f"{a.score:>6g}%  {a.status:<8}{a.path}"
        )
    best: dict[tuple[str, str], float] = {}
    for a in attempts:
        key = (a.learner, a.problem)
        best[key] = max(best.get(key, 0.0), a.score)
    out.append("")
    out += [
        f"best: {learner} · {problem}: {score:g}%"
        for (learner, problem), score in sorted(best.items())
    ]
    return "\n".join(out) + "\n"
