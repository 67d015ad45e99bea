"""``grader batch``: a class graded in parallel into the gradebook, resumable, one CSV row each.

The class comes from ``bench/classroom.py`` (the benchmark's generator), which says what every
learner's submission must get.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.course import gradebook
from grader.course.batch import roster
from grader.report.progress import Progress
from grader.submission.source import normalised_hash

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from classroom import make_class

ROOT = Path(__file__).resolve().parents[1]


def batch(folder: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(folder), "--problem", "softmax_jacobian",
         "--problems", str(ROOT / "problems"), "--gradebook", str(out / "gb.sqlite"),
         "--out", str(out / "class.csv"), *extra],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return {row["learner"]: row for row in csv.DictReader(f)}


def running_jobs() -> str:
    found = subprocess.run(
        ["pgrep", "-af", "grader.course.job|forkserver.py"], capture_output=True, text=True
    )
    return found.stdout


def test_roster_finds_one_submission_per_learner(tmp_path: Path) -> None:
    (tmp_path / "ann.py").write_text("x = 1\n")
    (tmp_path / "bob.ipynb").write_text("{}")
    (tmp_path / "cy").mkdir()
    (tmp_path / "cy" / "solution.py").write_text("x = 1\n")
    (tmp_path / "cy" / "scratch.py").write_text("x = 2\n")  # solution.py wins
    (tmp_path / "dee").mkdir()
    (tmp_path / "dee" / "a.py").write_text("")
    (tmp_path / "dee" / "b.py").write_text("")
    (tmp_path / "eve.py").write_text("")
    (tmp_path / "eve").mkdir()
    (tmp_path / "eve" / "solution.py").write_text("")
    (tmp_path / "fay").mkdir()
    (tmp_path / ".hidden.py").write_text("")
    (tmp_path / "notes.txt").write_text("")

    found = {f.learner: f for f in roster(tmp_path)}

    assert sorted(found) == ["ann", "bob", "cy", "dee", "eve", "fay"]
    assert found["ann"].path == tmp_path / "ann.py"
    assert found["bob"].path == tmp_path / "bob.ipynb"
    assert found["cy"].path == tmp_path / "cy" / "solution.py"
    assert (
        found["dee"].path is None and "several solution files (a.py, b.py)" in found["dee"].problem
    )
    assert found["eve"].path is None and "more than one submission" in found["eve"].problem
    assert found["fay"].path is None and "no .py or .ipynb" in found["fay"].problem


def test_a_class_of_300_gets_one_row_per_learner_with_the_right_status(tmp_path: Path) -> None:
    expected = make_class(tmp_path / "class", 300, seed=7, hostile=True)
    assert any(e.kind.startswith("hostile/") for e in expected.values())

    done = batch(tmp_path / "class", tmp_path, "--jobs", "2")

    assert done.returncode == 0, done.stderr
    assert "300 learners: 300 graded now" in done.stdout
    got = rows(tmp_path / "class.csv")
    assert sorted(got) == sorted(expected)
    for learner, want in expected.items():
        row = got[learner]
        assert (row["status"], row["error_kind"] or None) == (want.status, want.error), (
            learner,
            want.kind,
        )
    db = sqlite3.connect(tmp_path / "gb.sqlite")
    assert db.execute("SELECT COUNT(*) FROM attempts WHERE origin = 'batch'").fetchone() == (300,)
    report = (tmp_path / "class.html").read_text()
    assert "Identical submissions" in report and "<script" not in report
    assert running_jobs() == ""


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_an_interrupted_batch_resumes_to_the_same_result(
    how: signal.Signals, tmp_path: Path
) -> None:
    make_class(tmp_path / "class", 120, seed=3, hostile=False)
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    whole.mkdir()
    cut.mkdir()
    assert batch(tmp_path / "class", whole, "--no-report").returncode == 0

    command = [sys.executable, "-m", "grader", "batch", str(tmp_path / "class"),
               "--problem", "softmax_jacobian", "--problems", str(ROOT / "problems"),
               "--gradebook", str(cut / "gb.sqlite"), "--out", str(cut / "class.csv"),
               "--no-report"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    recorded = 0
    deadline = time.monotonic() + 60
    while recorded < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
        with sqlite3.connect(cut / "gb.sqlite", timeout=5) as db:
            try:
                recorded = db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
            except sqlite3.OperationalError:  # the table is not there yet
                recorded = 0
    os.kill(proc.pid, how)
    stopped = time.monotonic()
    _, err = proc.communicate(timeout=30)
    if how is signal.SIGINT:
        assert proc.returncode == 130 and "Run the same command again" in err, err
        assert time.monotonic() - stopped < 5.0  # promptly
    for _ in range(100):  # stopped by the batch, or (kill -9) seeing their input close
        if running_jobs() == "":
            break
        time.sleep(0.1)
    assert running_jobs() == ""
    assert not (cut / "class.csv").exists()
    kept = sqlite3.connect(cut / "gb.sqlite").execute("SELECT COUNT(*) FROM attempts").fetchone()
    assert 20 <= kept[0] < 120

    again = batch(tmp_path / "class", cut, "--no-report")

    assert again.returncode == 0, again.stderr
    assert f"{kept[0]} unchanged" in again.stdout
    assert rows(cut / "class.csv") == rows(whole / "class.csv")


def test_only_changed_submissions_are_graded_again(tmp_path: Path) -> None:
    make_class(tmp_path / "class", 12, seed=5, hostile=False)
    assert batch(tmp_path / "class", tmp_path, "--no-report").returncode == 0
    first = rows(tmp_path / "class.csv")
    learner = sorted(p for p in (tmp_path / "class").glob("*.py"))[0]
    learner.write_text("def softmax_jacobian(x):\n    return x\n")

    again = batch(tmp_path / "class", tmp_path, "--no-report")

    assert "1 graded now" in again.stdout and "11 unchanged" in again.stdout
    second = rows(tmp_path / "class.csv")
    assert second[learner.stem]["status"] == "rejected"
    assert second[learner.stem]["sha256"] != first[learner.stem]["sha256"]
    history = gradebook.history(gradebook.connect(tmp_path / "gb.sqlite"), learner=learner.stem)
    assert len(history) == 2  # both attempts are kept


def test_exit_status_and_messages(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ann.py").write_text(
        (ROOT / "reference" / "softmax_jacobian.py").read_text()
    )
    (tmp_path / "class" / "bob").mkdir()

    done = batch(tmp_path / "class", tmp_path, "--no-report")
    assert done.returncode == 1  # bob could not be graded
    assert "bob: bob/ holds no .py or .ipynb" in done.stdout
    assert rows(tmp_path / "class.csv")["bob"]["status"] == "not_graded"
    assert rows(tmp_path / "class.csv")["ann"]["status"] == "accepted"

    missing = batch(tmp_path / "nowhere", tmp_path)
    assert missing.returncode == 2 and "not a folder of submissions" in missing.stderr
    assert "Traceback" not in missing.stderr
    wrong = subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--problem", "nope",
         "--problems", str(ROOT / "problems")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr


def test_an_older_gradebook_gains_the_batch_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE attempts (id INTEGER PRIMARY KEY, learner TEXT NOT NULL, problem TEXT NOT "
        "NULL, submitted_at TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, content "
        "BLOB NOT NULL, status TEXT NOT NULL, score REAL NOT NULL, result TEXT NOT NULL)"
    )
    old.execute(
        "INSERT INTO attempts VALUES (1, 'ann', 'softmax', 't', 'a.py', 'x', x'00', "
        "'accepted', 100, '{}')"
    )
    old.commit()
    old.close()

    db = gradebook.connect(path)

    columns = {row[1] for row in db.execute("PRAGMA table_info(attempts)")}
    assert set(gradebook.ADDED) <= columns
    assert [a.learner for a in gradebook.history(db)] == ["ann"]  # nothing recorded is lost


def test_normalised_hash_sees_through_comments_layout_and_local_names() -> None:
    original = (
        "import numpy as np\n"
        "def softmax_jacobian(x):\n"
        '    """Mine."""\n'
        "    s = np.exp(x - max(x))  # shift\n"
        "    s = s / s.sum()\n"
        "    return np.diag(s) - np.outer(s, s)\n"
    )
    disguised = (
        "import numpy as np\n\n\n"
        "def softmax_jacobian(logits):\n"
        "    p = np.exp(logits - max(logits))\n\n"
        "    p = p / p.sum()\n"
        "    return np.diag(p) - np.outer(p, p)\n"
    )
    different = disguised.replace("np.diag(p) -", "np.diag(p) +")

    assert normalised_hash(original) == normalised_hash(disguised)
    assert normalised_hash(disguised) != normalised_hash(different)
    assert normalised_hash("def (") == normalised_hash("def (\n\n# a comment\n")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_otherwise() -> None:
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        show = Progress(stream)
        for done in range(0, 101):
            show(done, 100)

    assert terminal.getvalue().startswith("\r") and "100/100" in terminal.getvalue()
    assert "/s  ETA " in terminal.getvalue() and "█" * 30 in terminal.getvalue()
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("graded 0/100") and lines[-1].startswith("graded 100/100")
    assert 10 <= len(lines) <= 12 and "\r" not in log.getvalue()  # every 10%, not every one


def test_a_learner_who_cannot_be_graded_now_has_one_row_and_no_old_result(
    tmp_path: Path,
) -> None:
    (tmp_path / "class").mkdir()
    reference = (ROOT / "reference" / "softmax_jacobian.py").read_text()
    for learner in ("ann", "bob"):
        (tmp_path / "class" / f"{learner}.py").write_text(reference)
    assert batch(tmp_path / "class", tmp_path, "--no-report").returncode == 0
    (tmp_path / "class" / "bob").mkdir()  # now bob.py and bob/ both claim to be bob's
    (tmp_path / "class" / "bob" / "solution.py").write_text(reference)

    again = batch(tmp_path / "class", tmp_path, "--no-report")

    assert again.returncode == 1
    with (tmp_path / "class.csv").open(newline="") as f:
        bobs = [row for row in csv.DictReader(f) if row["learner"] == "bob"]
    assert [row["status"] for row in bobs] == ["not_graded"]
    assert "accepted: 1 of 1" in again.stdout


def test_an_unwritable_csv_is_a_usage_error_and_the_results_are_kept(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ann.py").write_text(
        (ROOT / "reference" / "softmax_jacobian.py").read_text()
    )
    (tmp_path / "blocker").write_text("a file, not a folder")

    done = subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--problem",
         "softmax_jacobian", "--problems", str(ROOT / "problems"), "--gradebook",
         str(tmp_path / "gb.sqlite"), "--out", str(tmp_path / "blocker" / "class.csv")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert done.returncode == 2 and "cannot write" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert len(gradebook.history(gradebook.connect(tmp_path / "gb.sqlite"))) == 1
