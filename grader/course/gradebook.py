"""The gradebook: every recorded attempt, in an embedded SQLite database.

One row per attempt: learner, problem, time, the submission's bytes and sha256, the full result
document, score and status. The database runs in WAL mode and each attempt is one transaction:
a crash mid-write loses nothing recorded before it, and readers never block the writer.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.model import Entry, Result

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
CREATE TABLE IF NOT EXISTS hints (
    id INTEGER PRIMARY KEY,
    learner TEXT NOT NULL,
    problem TEXT NOT NULL,
    level INTEGER NOT NULL,
    shown_at TEXT NOT NULL
);
"""
# Columns added for batch grading; a gradebook made before them gains them when opened.
ADDED = {
    "origin": "TEXT NOT NULL DEFAULT 'submit'",  # 'submit' or 'batch'
    "problem_digest": "TEXT NOT NULL DEFAULT ''",
    "normalised": "TEXT NOT NULL DEFAULT ''",
    "diagnoses": "TEXT NOT NULL DEFAULT '[]'",  # JSON: per case, a diagnosis class or null
}


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


def default_path() -> Path:
    """The learner's gradebook: their workspace's (``grader start``), else ``DEFAULT`` here."""
    from grader.course import workspace

    return workspace.gradebook()


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the gradebook at ``path``; a UsageError if it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        with db:
            db.executescript(SCHEMA)
            have = {row[1] for row in db.execute("PRAGMA table_info(attempts)")}
            for column, kind in ADDED.items():
                if column not in have:
                    db.execute(f"ALTER TABLE attempts ADD COLUMN {column} {kind}")
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(f"cannot open the gradebook {path}: {exc}") from None
    return db


def record(db: sqlite3.Connection, result: Result, content: bytes, learner: str) -> int:
    """Store one attempt of ``grader submit`` in its own transaction; returns its id."""
    with db:
        return _insert(db, result.document(), result.graded_at, content, learner)


def record_attempt(
    path: Path, result: Result, learner: str | None = None, at: Path | None = None
) -> tuple[int, Path]:
    """Record ``result`` as an attempt of ``learner`` (default: the OS user) at the gradebook
    ``at`` (default: ``default_path()``), storing the bytes that were graded; returns (attempt id,
    gradebook path). Raises UsageError when the file changed since it was graded."""
    import hashlib

    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != result.sha256:
        raise UsageError(f"{path} changed while it was graded; submit it again")
    where = at or default_path()
    db = connect(where)
    try:
        return record(db, result, content, learner or who()), where
    finally:
        db.close()


def record_entry(db: sqlite3.Connection, entry: Entry, content: bytes, graded_at: str) -> None:
    """Store one learner's batch result in its own transaction."""
    with db:
        _insert(
            db,
            entry.document,
            graded_at,
            content,
            entry.learner,
            origin="batch",
            problem_digest=entry.problem_digest,
            normalised=entry.normalised,
            diagnoses=json.dumps(entry.diagnoses),
            path=entry.path,
        )


def _insert(
    db: sqlite3.Connection,
    document: dict[str, Any],
    graded_at: str,
    content: bytes,
    learner: str,
    **extra: str,
) -> int:
    row = {
        "learner": learner,
        "problem": document["problem"],
        "submitted_at": graded_at,
        "path": document["submission"]["path"],
        "sha256": document["submission"]["sha256"],
        "content": content,
        "status": document["status"],
        "score": document["score"],
        "result": json.dumps(document),
        **extra,
    }
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    cursor = db.execute(f"INSERT INTO attempts ({columns}) VALUES ({marks})", tuple(row.values()))
    return int(cursor.lastrowid or 0)


def latest_entries(db: sqlite3.Connection, problem: str) -> dict[str, Entry]:
    """Each learner's latest batch result for ``problem``."""
    rows = db.execute(
        "SELECT learner, path, sha256, normalised, problem_digest, result, diagnoses "
        "FROM attempts WHERE id IN (SELECT MAX(id) FROM attempts "
        "WHERE origin = 'batch' AND problem = ? GROUP BY learner)",
        (problem,),
    ).fetchall()
    return {
        learner: Entry(
            learner, path, sha, normalised, digest, json.loads(result), tuple(json.loads(diag))
        )
        for learner, path, sha, normalised, digest, result, diag in rows
    }


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
    """Attempts in aligned columns, then each learner's best score per problem."""
    if not attempts:
        return "No attempts recorded.\n"
    rows = [("#", "when", "learner", "problem", "score", "status", "file")]
    rows += [
        (str(a.id), a.submitted_at, a.learner, a.problem, f"{a.score:g}%", a.status, a.path)
        for a in attempts
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    right = {0, 4}  # numbers
    out = [
        "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    ]
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


def who() -> str:
    """Who the learner is when no one is named: the login name, else the user id (a container
    run with ``-u N`` has no passwd entry and no ``USER``), else ``learner``."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        uid = getattr(os, "getuid", None)
        return str(uid()) if uid is not None else "learner"
