"""grader submit records attempts in a SQLite gradebook that loses nothing; history shows them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references


def grader(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    problems = [] if args[0] == "history" else ["--problems", str(PACK / "problems")]
    return subprocess.run(
        [sys.executable, "-m", "grader", *args, *problems],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_submit_records_and_history_shows_the_best(tmp_path: Path) -> None:
    wrong = str(PACK / "reference" / "softmax_jacobian" / "wrong_answer" / "naive_exp.py")
    right = str(PACK / "reference" / "softmax_jacobian" / "accepted" / "vectorised.py")
    first = grader("submit", wrong, "--no-report", "--learner", "ada", cwd=tmp_path)
    assert first.returncode == 1 and "Recorded attempt #1 in .grader/gradebook.sqlite" in (
        first.stderr
    )
    second = grader("submit", right, "--no-report", "--learner", "ada", cwd=tmp_path)
    assert second.returncode == 0 and "Recorded attempt #2" in second.stderr
    history = grader("history", "--problem", "softmax_jacobian", cwd=tmp_path)
    assert history.returncode == 0
    assert "89.19%" in history.stdout and "100%" in history.stdout
    assert "best: ada · softmax_jacobian: 100%" in history.stdout
    rows = history.stdout.splitlines()[:3]  # the header and two attempts, in aligned columns
    columns = {rows[0].index(" status "), rows[1].index(" rejected "), rows[2].index(" accepted ")}
    assert len(columns) == 1, rows

    db = sqlite3.connect(tmp_path / ".grader" / "gradebook.sqlite")
    content, doc, sha = db.execute(
        "SELECT content, result, sha256 FROM attempts WHERE id = 1"
    ).fetchone()
    assert content == Path(wrong).read_bytes()
    assert json.loads(doc)["schema"] == "grader.result/1"
    assert json.loads(doc)["submission"]["sha256"] == sha
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_crash_mid_write_loses_nothing_recorded(tmp_path: Path) -> None:
    right = str(PACK / "reference" / "softmax_jacobian" / "accepted" / "vectorised.py")
    assert grader("submit", right, "--no-report", cwd=tmp_path).returncode == 0
    book = tmp_path / ".grader" / "gradebook.sqlite"
    crash = (
        "import os, sqlite3\n"
        f"db = sqlite3.connect({str(book)!r})\n"
        "db.execute('BEGIN')\n"
        'db.execute("INSERT INTO attempts (learner, problem, submitted_at, path, sha256,'
        " content, status, score, result)"
        " VALUES ('x', 'p', 't', 'f', 's', x'00', 'accepted', 100, '{}')\")\n"
        "os._exit(1)  # dies before COMMIT\n"
    )
    assert subprocess.run([sys.executable, "-c", crash]).returncode == 1
    db = sqlite3.connect(book)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*), min(learner) FROM attempts").fetchone()[0] == 1


def test_history_without_a_gradebook_is_a_usage_error(tmp_path: Path) -> None:
    proc = grader("history", cwd=tmp_path)
    assert proc.returncode == 2 and "no gradebook at .grader/gradebook.sqlite" in proc.stderr
