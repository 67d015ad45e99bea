"""``grader batch``: a class graded in parallel into the gradebook, resumable, one CSV row each.

The class comes from ``bench/classroom.py`` (the benchmark's generator), which says what every
learner's submission must get. Whether a batch left processes behind is asked of the processes
that carry the test's own temporary folder (``TMPDIR``, inherited by the batch's jobs and home of
their fork servers' folders), never of the whole machine.
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
from grader.course.roster import roster
from grader.report.progress import Progress
from grader.submission.source import normalised_hash

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from classroom import TEMPLATES, make_class
from processes import processes_with

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "grader" / "pack"  # the shipped problems and references


def batch(folder: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(folder), "--problem", "softmax_jacobian",
         "--problems", str(PACK / "problems"), "--gradebook", str(out / "gb.sqlite"),
         "--out", str(out / "class.csv"), *extra],
        cwd=out, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return {row["learner"]: row for row in csv.DictReader(f)}


def gone(marker: Path, within: float = 10.0) -> list[str]:
    """The processes still carrying ``marker`` after up to ``within`` seconds ([] once none)."""
    deadline = time.monotonic() + within
    while (left := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


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


def test_a_class_of_every_kind_gets_one_row_per_learner_with_the_right_status(
    tmp_path: Path, private_tmp: Path
) -> None:
    # Every kind the generator knows, hostile ones included, with copies, notebooks and folders:
    # what a real class holds, at a size where each appears (the size is not the point). The
    # kinds that cost a time limit are goldens (test_golden); test_hostile has time limits in
    # workers forked by a fork server, as here.
    fast = frozenset(kind for kind, t in TEMPLATES.items() if not t.slow)
    expected = make_class(tmp_path / "class", 40, seed=7, only=fast)
    assert {e.kind for e in expected.values()} == fast
    assert {e.copy for e in expected.values()} == {None, "exact", "near"}
    assert {Path(e.file).suffix for e in expected.values()} == {".py", ".ipynb"}
    assert any(e.file.endswith("/solution.py") for e in expected.values())  # a folder

    done = batch(tmp_path / "class", tmp_path, "--jobs", "2")

    assert done.returncode == 0, done.stderr
    assert "40 learners: 40 graded now" in done.stdout
    got = rows(tmp_path / "class.csv")
    assert sorted(got) == sorted(expected)
    for learner, want in expected.items():
        row = got[learner]
        assert (row["status"], row["error_kind"] or None) == (want.status, want.error), (
            learner,
            want.kind,
        )
    db = sqlite3.connect(tmp_path / "gb.sqlite")
    assert db.execute("SELECT COUNT(*) FROM attempts WHERE origin = 'batch'").fetchone() == (40,)
    report = (tmp_path / "class.html").read_text()
    assert "Identical submissions" in report and "<script" not in report
    assert processes_with(private_tmp) == []


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, str]]]:
    """A class, and the rows of its batch run from start to end without a stop."""
    folder = tmp_path_factory.mktemp("interrupted")
    make_class(folder / "class", 30, seed=3, hostile=False)
    assert batch(folder / "class", folder, "--no-report").returncode == 0
    return folder / "class", rows(folder / "class.csv")


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_an_interrupted_batch_resumes_to_the_same_result(
    how: signal.Signals,
    whole: tuple[Path, dict[str, dict[str, str]]],
    tmp_path: Path,
    private_tmp: Path,
) -> None:
    klass, expected = whole
    cut = tmp_path
    command = [sys.executable, "-m", "grader", "batch", str(klass),
               "--problem", "softmax_jacobian", "--problems", str(PACK / "problems"),
               "--gradebook", str(cut / "gb.sqlite"), "--out", str(cut / "class.csv"),
               "--no-report"]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=cut, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    recorded = 0
    deadline = time.monotonic() + 60
    while recorded < 10 and time.monotonic() < deadline:
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
    # stopped by the batch, or (kill -9) seeing their input close
    assert gone(private_tmp) == [], "a job or fork server of the batch is still running"
    assert not (cut / "class.csv").exists()
    kept = sqlite3.connect(cut / "gb.sqlite").execute("SELECT COUNT(*) FROM attempts").fetchone()
    assert 10 <= kept[0] < 30

    again = batch(klass, cut, "--no-report")

    assert again.returncode == 0, again.stderr
    assert f"{kept[0]} unchanged" in again.stdout
    assert rows(cut / "class.csv") == expected


def test_only_changed_submissions_are_graded_again(tmp_path: Path) -> None:
    make_class(tmp_path / "class", 6, seed=5, hostile=False)
    assert batch(tmp_path / "class", tmp_path, "--no-report").returncode == 0
    first = rows(tmp_path / "class.csv")
    learner = sorted(p for p in (tmp_path / "class").glob("*.py"))[0]
    learner.write_text("def softmax_jacobian(x):\n    return x\n")

    again = batch(tmp_path / "class", tmp_path, "--no-report")

    assert "1 graded now" in again.stdout and "5 unchanged" in again.stdout
    second = rows(tmp_path / "class.csv")
    assert second[learner.stem]["status"] == "rejected"
    assert second[learner.stem]["sha256"] != first[learner.stem]["sha256"]
    history = gradebook.history(gradebook.connect(tmp_path / "gb.sqlite"), learner=learner.stem)
    assert len(history) == 2  # both attempts are kept


def test_exit_status_and_messages(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ann.py").write_text(
        (PACK / "reference" / "softmax_jacobian.py").read_text()
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
         "--problems", str(PACK / "problems")],
        cwd=tmp_path, capture_output=True, text=True, check=False,
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


class Clock:
    """Time that passes only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_otherwise() -> None:
    clock = Clock()
    terminal, log = Terminal(), io.StringIO()
    bar, lines = Progress(terminal, clock), Progress(log, clock)
    for done in range(0, 101):
        bar(done, 100)
        lines(done, 100)
        clock.now += 1 / 32  # 32 graded a second; a bar at most every 0.1 s: every 4th

    frames = terminal.getvalue().split("\r")[1:]
    assert terminal.getvalue().startswith("\r") and len(frames) == 26  # 0, 4, ..., 100
    assert frames[1] == "█" + "·" * 29 + " 4/100  32/s  ETA 3s "
    assert frames[-1] == "█" * 30 + " 100/100  32/s  ETA 0s \n"
    plain = log.getvalue().splitlines()
    assert len(plain) == 11 and "\r" not in log.getvalue()  # every 10%, not every one
    assert plain[0] == "graded 0/100 (0/s, about 0 s left)"
    assert plain[1] == "graded 10/100 (32/s, about 3 s left)"
    assert plain[-1] == "graded 100/100 (32/s, about 0 s left)"


def test_progress_of_a_slow_class_shows_a_line_every_5_seconds() -> None:
    clock, log = Clock(), io.StringIO()
    show = Progress(log, clock)
    for done in range(0, 21):
        show(done, 100)
        clock.now += 1.0

    assert log.getvalue().splitlines() == [
        "graded 0/100 (0/s, about 0 s left)",
        "graded 5/100 (1/s, about 95 s left)",
        "graded 10/100 (1/s, about 90 s left)",
        "graded 15/100 (1/s, about 85 s left)",
        "graded 20/100 (1/s, about 80 s left)",
    ]


def test_a_learner_who_cannot_be_graded_now_has_one_row_and_no_old_result(
    tmp_path: Path,
) -> None:
    (tmp_path / "class").mkdir()
    reference = (PACK / "reference" / "softmax_jacobian.py").read_text()
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
        (PACK / "reference" / "softmax_jacobian.py").read_text()
    )
    (tmp_path / "blocker").write_text("a file, not a folder")

    done = subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--problem",
         "softmax_jacobian", "--problems", str(PACK / "problems"), "--gradebook",
         str(tmp_path / "gb.sqlite"), "--out", str(tmp_path / "blocker" / "class.csv")],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert done.returncode == 2 and "cannot write" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert len(gradebook.history(gradebook.connect(tmp_path / "gb.sqlite"))) == 1
