"""The runner against misbehaving submissions: each gets a verdict; nothing leaks or lingers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader.model import ErrorKind, Outcome, Verdict
from grader.pipeline import grade
from grader.run.channel import describe_exit
from grader.run.launch import bwrap_problem
from grader.run.sandbox import Sandbox

MODES = [
    pytest.param("off", id="process"),
    pytest.param(
        "on",
        id="bubblewrap",
        marks=pytest.mark.skipif(
            bwrap_problem() is not None, reason=f"no bubblewrap here: {bwrap_problem()}"
        ),
    ),
    pytest.param("portable", id="portable"),
]
SANDBOX_NAMES = {"off": "process", "on": "bubblewrap", "portable": "portable"}

SPEC = """\
id: double
title: Double a vector
entry_point: double
arguments: {x: list}
statement: Return 2 * x.
limits: {time_per_case: 1s, time_total: 6s, memory: 512MiB, output: 4KiB}
examples:
  - {name: first, args: {x: [1.0, 2.0]}}
hidden:
  - {name: second, args: {x: [3.0]}}
  - {name: third, args: {x: [-1.0, 0.5, 4.0]}}
"""


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def problems(tmp_path: Path) -> Path:
    (tmp_path / "problems").mkdir()
    (tmp_path / "reference").mkdir()
    (tmp_path / "problems" / "double.yaml").write_text(SPEC)
    (tmp_path / "reference" / "double.py").write_text(
        "def double(x):\n    return [2 * v for v in x]\n"
    )
    return tmp_path / "problems"


def run(problems: Path, code: str, mode: str = "off"):
    path = problems.parent / "solution.py"
    path.write_text(textwrap.dedent(code))
    return grade(path, "double", problems, Sandbox(mode))


def verdicts(result) -> list[str]:
    return [c.verdict.value for c in result.cases]


def test_a_correct_submission_passes(problems: Path, mode: str) -> None:
    result = run(problems, "def double(x):\n    return [2 * v for v in x]\n", mode)
    assert verdicts(result) == ["passed"] * 3
    assert result.sandbox == SANDBOX_NAMES[mode]
    if mode == "portable":
        assert "limits: wall-clock time, memory, CPU time, file size" in result.isolation
        assert "it can read your files" in result.isolation
    else:
        assert "Landlock: reads limited" in result.isolation


def test_exit_inside_the_function_is_a_crash_and_the_next_case_still_runs(
    problems: Path, mode: str
) -> None:
    result = run(
        problems,
        """
        import os
        def double(x):
            if len(x) == 1:
                os._exit(0)
            return [2 * v for v in x]
    """,
        mode,
    )
    assert verdicts(result) == ["passed", "crashed", "passed"]
    assert "exited (status 0)" in result.cases[1].message


def test_sys_exit_inside_the_function_is_a_runtime_error(problems: Path) -> None:
    result = run(problems, "import sys\ndef double(x):\n    sys.exit(3)\n")
    assert verdicts(result) == ["runtime_error"] * 3
    assert result.cases[0].message == "called sys.exit(3); at line 3"


def test_a_segfault_is_crashed(problems: Path, mode: str) -> None:
    result = run(problems, "import ctypes\ndef double(x):\n    ctypes.string_at(0)\n", mode)
    assert result.cases[0].verdict is Verdict.CRASHED
    assert "segmentation fault" in result.cases[0].message


def test_an_endless_loop_costs_its_limits_then_the_rest_is_not_run(problems: Path) -> None:
    result = run(problems, "def double(x):\n    while True:\n        pass\n")
    assert verdicts(result) == ["time_limit", "time_limit", "not_run"]
    assert sum(c.time_s for c in result.cases) < 2 * 1.0 + 0.5


def test_printed_output_is_captured_truncated_and_never_interpreted(problems: Path) -> None:
    result = run(
        problems,
        """
        print("ALL TESTS PASSED \\x1b[2J")
        def double(x):
            print("y" * 100_000)
            return [2 * v for v in x]
    """,
    )
    assert verdicts(result) == ["passed"] * 3
    assert "ALL TESTS PASSED" in result.output and "\x1b" not in result.output
    assert result.output_dropped > 250_000


def test_the_child_gets_a_scrubbed_environment_and_a_fresh_directory(
    problems: Path, mode: str
) -> None:
    os.environ["GRADER_TEST_SECRET"] = "hunter2"
    try:
        result = run(
            problems,
            """
            import os
            print(sorted(os.environ), os.getcwd(), sorted(os.listdir('.')))
            def double(x):
                return [2 * v for v in x]
        """,
            mode,
        )
    finally:
        del os.environ["GRADER_TEST_SECRET"]
    # what it printed while importing (in the portable mode, on a busy machine, the output
    # thread may hand it over with the first case: pipes.ThreadPipes.drain_output)
    printed = result.output + "".join(c.detail.output for c in result.cases if c.detail)
    assert "GRADER_TEST_SECRET" not in printed and "hunter2" not in printed
    cwd = printed.split("] ")[1].split(" ")[0]
    if mode == "on":
        assert cwd.startswith("/grader/work/run-")
    elif cwd != "/tmp":  # the job's folder (under TMPDIR) is under /tmp: the run's tmpfs covers
        assert "run-" in Path(cwd).name and not Path(cwd).exists()  # removed after grading
    assert printed.split("\n")[0].rstrip().endswith("[]")  # started empty


def test_import_time_failures_are_submission_errors(problems: Path) -> None:
    result = run(problems, "raise RuntimeError('no')\ndef double(x):\n    return x\n")
    assert result.error is not None and result.error.kind is ErrorKind.IMPORT_ERROR
    assert result.error.line == 1 and verdicts(result) == ["not_run"] * 3


def test_closing_its_own_output_early_is_harmless(problems: Path) -> None:
    result = run(
        problems,
        """
        import os
        os.close(1)
        os.close(2)
        def double(x):
            return [2 * v for v in x]
    """,
    )
    assert verdicts(result) == ["passed"] * 3


def test_sandbox_on_says_why_it_cannot_run(problems: Path) -> None:
    """Where bubblewrap is not installed (here: not on the PATH the grader is run with), ``on``
    is a usage error saying so, and ``auto`` falls back to process isolation."""
    solution = problems.parent / "solution.py"
    solution.write_text("def double(x):\n    return [2 * v for v in x]\n")

    def grader(sandbox: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "grader", "grade", str(solution), "--problem", "double",
             "--problems", str(problems), "--sandbox", sandbox, "--format", "json",
             "--no-report"],
            env={**os.environ, "PATH": str(problems)},  # a folder without bwrap
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    on = grader("on")
    assert on.returncode == 2 and on.stdout == ""
    assert "--sandbox on: bubblewrap is not installed" in on.stderr
    auto = grader("auto")
    assert auto.returncode == 0, auto.stderr
    assert json.loads(auto.stdout)["sandbox"] == "process"


@pytest.mark.parametrize(
    ("signal_number", "verdict", "words"),
    [
        (24, Verdict.TIME_LIMIT, "CPU time limit"),  # SIGXCPU from RLIMIT_CPU
        (11, Verdict.CRASHED, "segmentation fault"),
        (6, Verdict.CRASHED, "signal SIGABRT"),
        (None, Verdict.CRASHED, "exited (status 3)"),
    ],
)
def test_how_a_process_ended_becomes_a_verdict(signal_number, verdict, words) -> None:
    got, message = describe_exit(signal_number, 3)
    assert got is verdict and words in message


def test_sigkill_is_the_cpu_limit_only_when_enough_cpu_time_could_have_passed() -> None:
    assert describe_exit(9, 0, cpu_spent=True)[0] is Verdict.TIME_LIMIT
    assert describe_exit(9, 0, cpu_spent=False) == (
        Verdict.CRASHED,
        "the process was killed by signal SIGKILL",
    )


def test_tensor_like_results_are_converted_without_their_framework(problems: Path) -> None:
    # a torch-like tensor that needs grad (no __array__ until detached) and lives on a device
    result = run(
        problems,
        """
        import numpy as np

        class Tensor:
            def __init__(self, data, grad=True, device="cuda"):
                self.data, self.grad, self.device = np.asarray(data), grad, device

            def detach(self):
                return Tensor(self.data, False, self.device)

            def cpu(self):
                return Tensor(self.data, self.grad, "cpu")

            def numpy(self):
                if self.grad or self.device != "cpu":
                    raise RuntimeError("call .detach().cpu() first")
                return self.data

        def double(x):
            return Tensor([2 * v for v in x])
        """,
    )
    assert verdicts(result) == ["passed"] * 3


def test_total_time_reached_with_cases_sent_ahead_keeps_what_was_graded(problems: Path) -> None:
    """The total limit passes right after an answer while later hidden cases are still being
    answered: the cases graded so far keep their verdicts, the rest are not run."""
    offset = 0.0

    def clock() -> float:
        return time.monotonic() + offset

    def jump_after_the_first_hidden_case(outcome: Outcome) -> None:
        nonlocal offset
        if outcome.index == 1:  # the next hidden case is already sent
            offset += 1000.0

    path = problems.parent / "solution.py"
    path.write_text("def double(x):\n    return [2 * v for v in x]\n")
    box = Sandbox("off", clock=clock, on_outcome=jump_after_the_first_hidden_case)
    result = grade(path, "double", problems, box)

    assert result.error is None
    assert [c.verdict.value for c in result.cases] == ["passed", "passed", "not_run"]
    assert "total time limit" in result.cases[2].message


def test_exit_quit_and_help_are_there_as_site_would_add_them(problems: Path, mode: str) -> None:
    # the fork server starts with python -S: the builtins ``site`` adds come from ``forkserver``
    said = []
    for call in ("exit(3)", "quit()"):
        code = f"""
            assert callable(help) and "Python" in str(copyright) and callable(credits)
            def double(x):
                {call}
        """
        result = run(problems, code, mode)
        assert result.error is None and verdicts(result) == ["runtime_error"] * 3
        said.append(result.cases[0].message)  # the example's: hidden cases say less
    assert said[0].startswith("called sys.exit(3)") and said[1].startswith("called sys.exit()")
