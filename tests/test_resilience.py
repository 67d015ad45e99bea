"""A batch under attack (issue 10 part 6): a full disk, a gradebook that refuses writes, a job that
is killed. No result already recorded is lost, the learner whose submission caused it gets a
verdict, every other learner is graded, and the CSV is written; running the same command again
works for everyone.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from processes import processes_with

import grader
from grader.course import gradebook, job, pool
from grader.pipeline import find_problem
from grader.run.launch import bwrap_problem
from grader.run.prefork import ServerGone
from grader.submission.source import read_submission

PROBLEM = Path(__file__).parent / "hostile" / "problem" / "problems"
REDTEAM = Path(__file__).parent / "redteam"
CORRECT = "def double(x):\n    return [2 * v for v in x]\n"
NO_BWRAP = pytest.mark.skipif(bwrap_problem() is not None, reason=f"{bwrap_problem()}")


def a_class(folder: Path, learners: int, filler: bool = False) -> Path:
    folder.mkdir(parents=True)
    for number in range(learners):
        (folder / f"learner{number:02d}.py").write_text(CORRECT)
    if filler:  # graded first; holds the disk full while the others are graded and recorded
        text = (REDTEAM / "fills_the_disk.py").read_text()
        (folder / "a-mallory.py").write_text(text + "\nimport time\ntime.sleep(0.6)\n")
    return folder


def served(folder: Path, mode: str) -> list[dict[str, Any]]:
    """What a batch job (``job.serve``) answers, in ``mode``, to a task for each file of
    ``folder``, in order (its ``ready`` first)."""
    tasks = io.StringIO()
    for number, path in enumerate(sorted(folder.glob("*.py"))):
        digest = read_submission(path).sha256
        tasks.write(json.dumps({"id": number, "path": str(path), "sha256": digest}) + "\n")
    tasks.seek(0)
    replies = io.StringIO()
    job.serve(find_problem("double", PROBLEM).path, mode, tasks, replies)
    return [json.loads(line) for line in replies.getvalue().splitlines()]


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open() as f:
        return {row["learner"]: row for row in csv.DictReader(f)}


def test_results_the_gradebook_refuses_for_a_while_are_recorded_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = gradebook.record_entry
    refusals = iter(range(3))

    def full_for_a_while(*args: object, **kwargs: object) -> None:
        if next(refusals, None) is not None:
            raise sqlite3.OperationalError("database or disk is full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gradebook, "record_entry", full_for_a_while)
    folder = a_class(tmp_path / "class", 4)
    done = grader.batch(
        folder, "double", PROBLEM, jobs=2, sandbox="off", out=tmp_path / "out.csv",
        gradebook_path=tmp_path / "gb.sqlite", report=False,
    )  # fmt: skip
    assert done.summary.graded == 4 and done.summary.not_graded == []
    assert {r["status"] for r in rows(tmp_path / "out.csv").values()} == {"accepted"}


def test_a_result_that_cannot_be_recorded_is_reported_and_the_rest_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = gradebook.record_entry

    def never_for_bob(db: sqlite3.Connection, entry: object, *args: object) -> None:
        if getattr(entry, "learner", "") == "learner01":
            raise sqlite3.OperationalError("disk I/O error")
        real(db, entry, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(gradebook, "record_entry", never_for_bob)
    monkeypatch.setattr("grader.course.batch.RECORD_PAUSE", 0.01)
    folder = a_class(tmp_path / "class", 3)
    done = grader.batch(
        folder, "double", PROBLEM, jobs=2, sandbox="off", out=tmp_path / "out.csv",
        gradebook_path=tmp_path / "gb.sqlite", report=False,
    )  # fmt: skip
    assert done.summary.graded == 2
    assert [who for who, _ in done.summary.not_graded] == ["learner01"]
    assert "could not be recorded" in done.summary.not_graded[0][1]
    table = rows(tmp_path / "out.csv")
    assert table["learner01"]["status"] == "not_graded"
    assert table["learner00"]["status"] == table["learner02"]["status"] == "accepted"


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root")
@pytest.mark.parametrize(
    "mode",
    [
        pytest.param("off", id="process"),
        pytest.param("on", id="bubblewrap", marks=NO_BWRAP),
        pytest.param("portable", id="portable"),
    ],
)
def test_a_submission_that_fills_the_disk_costs_only_itself(mode: str, tmp_path: Path) -> None:
    """The batch's files and its runs' folders on one small file system (a 48 MiB tmpfs, in a
    mount namespace of the test's own): a submission writes until the disk is full."""
    disk = tmp_path / "disk"
    disk.mkdir()
    folder = a_class(tmp_path / "class", 6, filler=True)
    script = (
        f'mount -t tmpfs -o size=48m tmpfs "{disk}" && mkdir "{disk}/tmp" && '
        f'TMPDIR="{disk}/tmp" "{sys.executable}" -m grader batch "{folder}" '
        f'--problem double --problems "{PROBLEM}" --jobs 2 --sandbox {mode} '
        f'--gradebook "{disk}/gb.sqlite" --out "{disk}/class.csv" --no-report; '
    )
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         script + f'status=$?; cp "{disk}/class.csv" "{tmp_path}/class.csv"; exit $status'],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    table = rows(tmp_path / "class.csv")
    assert len(table) == 7 and {r["status"] for r in table.values()} == {"accepted"}


def test_a_killed_job_costs_nobody_their_grade(tmp_path: Path, private_tmp: Path) -> None:
    folder = a_class(tmp_path / "class", 6)
    for number in range(6):  # slow enough that a job is killed while it grades
        path = folder / f"learner{number:02d}.py"
        path.write_text("import time\ntime.sleep(0.4)\n" + path.read_text())
    batch = subprocess.Popen(
        [sys.executable, "-m", "grader", "batch", str(folder), "--problem", "double",
         "--problems", str(PROBLEM), "--jobs", "2", "--sandbox", "off",
         "--gradebook", str(tmp_path / "gb.sqlite"), "--out", str(tmp_path / "out.csv"),
         "--no-report"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    jobs: list[int] = []
    while not jobs and time.monotonic() < deadline:
        jobs = [int(p.split()[0]) for p in processes_with(private_tmp) if "grader.course.job" in p]
        time.sleep(0.05)
    time.sleep(0.6)  # grading by now
    os.kill(jobs[0], signal.SIGKILL)
    out, err = batch.communicate(timeout=120)
    assert batch.returncode == 0, out + err
    assert {r["status"] for r in rows(tmp_path / "out.csv").values()} == {"accepted"}
    assert len(rows(tmp_path / "out.csv")) == 6


def test_a_job_whose_fork_server_cannot_start_answers_not_graded_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No fork server can be started for one submission (the machine's processes ran out):
    that learner is not graded, with the reason, and the job grades the next one."""
    real = job.run_warm
    calls: list[int] = []

    def no_server_at_first(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise ServerGone("the fork server is not running")
        return real(*args)

    monkeypatch.setattr(job, "run_warm", no_server_at_first)
    answers = served(a_class(tmp_path / "class", 2), "portable")
    assert [a["kind"] for a in answers] == ["ready", "not_graded", "graded"]
    assert "no sandbox could be started" in answers[1]["message"]


def test_a_batch_that_cannot_start_a_job_reports_the_rest_and_writes_the_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first job is killed after its first answer, and no other can start (no thread or
    process left on the machine): the learners left are not graded, with the reason; the batch
    returns and writes its CSV; run again, it grades them."""
    started: list[pool.Job] = []
    real = pool.Job

    class Refused(pool.Job):
        def __init__(self, *args: Any) -> None:
            if started:
                raise RuntimeError("can't start new thread")
            super().__init__(*args)
            started.append(self)

        def read(self) -> list[dict[str, Any]]:
            replies = super().read()
            if any(r.get("kind") == "graded" for r in replies):
                self.proc.kill()  # killed with the rest still to grade
            return replies

    monkeypatch.setattr(pool, "Job", Refused)
    monkeypatch.setattr(pool, "START_PATIENCE", 0.5)
    folder = a_class(tmp_path / "class", 4)
    for path in folder.glob("*.py"):  # one answer at a time
        path.write_text("import time\ntime.sleep(0.5)\n" + path.read_text())
    arguments: dict[str, Any] = dict(
        jobs=1, sandbox="off", out=tmp_path / "out.csv", gradebook_path=tmp_path / "gb.sqlite",
        report=False,
    )  # fmt: skip
    done = grader.batch(folder, "double", PROBLEM, **arguments)
    table = rows(tmp_path / "out.csv")
    assert len(table) == 4 and 1 <= done.summary.graded < 4
    assert done.summary.graded + len(done.summary.not_graded) == 4
    for _, why in done.summary.not_graded:
        assert "no grading process could be started (can't start new thread)" in why
    assert (
        sorted(r["status"] for r in table.values()).count("not_graded") == 4 - done.summary.graded
    )
    monkeypatch.setattr(pool, "Job", real)
    again = grader.batch(folder, "double", PROBLEM, **arguments)
    assert again.summary.not_graded == [] and again.summary.graded == 4 - done.summary.graded
    assert {r["status"] for r in rows(tmp_path / "out.csv").values()} == {"accepted"}


def test_a_batch_waits_its_patience_after_its_last_job_died_before_giving_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two jobs asked for, the second refused at once; the first dies later: the learners left
    are given up only once no job has run for START_PATIENCE, not at the first job's death
    (the refusal, long before, must not count)."""
    died: list[float] = []

    class OneJob:
        made = 0

        def __init__(self, *args: Any) -> None:
            OneJob.made += 1
            if OneJob.made > 1:
                raise RuntimeError("can't start new thread")
            self.pending: dict[int, pool.Task] = {}
            self.alive, self.progressed, self.born = True, time.monotonic(), time.monotonic()

        def send(self, task: pool.Task) -> None:
            self.pending[task.id] = task

        def read(self) -> list[dict[str, Any]]:
            if time.monotonic() - self.born > 1.5:  # dies, with tasks left to grade
                self.alive = False
                died.append(time.monotonic())
                return []
            return [{"id": i, "kind": "graded"} for i in list(self.pending)[:1]]

        def stop(self, now: bool = False) -> None:
            pass

    monkeypatch.setattr(pool, "Job", OneJob)
    monkeypatch.setattr(pool, "START_PATIENCE", 1.0)
    tasks = [pool.Task(i, f"learner{i}", Path("x.py"), "", b"") for i in range(200)]
    the_pool = pool.Pool(2, Path("spec.yaml"), "off", patience=100.0)
    for _task, reply in the_pool.grade(tasks, lambda done: None):
        if reply.get("kind") == "failed":
            assert died and time.monotonic() - died[0] >= 1.0
            break
    else:
        raise AssertionError("the learners left were never given up")


def test_a_job_whose_fork_server_cannot_be_started_answers_not_graded_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The machine refuses the job's fork server (no process left), when the job starts and
    again for its first submission: that learner is not graded, the next is."""
    real = job.ForkServer
    tries: list[str] = []

    def refused_twice(mode: str) -> Any:
        tries.append(mode)
        if len(tries) <= 2:
            raise OSError(errno.EAGAIN, "Resource temporarily unavailable")
        return real(mode)

    monkeypatch.setattr(job, "ForkServer", refused_twice)
    answers = served(a_class(tmp_path / "class", 2), "process")
    assert [a["kind"] for a in answers] == ["ready", "not_graded", "graded"]
    assert "Resource temporarily unavailable" in answers[1]["message"]
