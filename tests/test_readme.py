"""The README's sample outputs are real: each is what its command prints today.

A sample is a ```text block preceded by ``<!-- sample: NAME -->``; NAME picks the setup and the
command below. Times, the isolation mode and dates differ from run to run and are compared as
placeholders; everything else must match exactly. ``GRADER_UPDATE_README=1 pytest -n 0
tests/test_readme.py`` rewrites the samples from fresh runs (review the diff).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"
README = ROOT / "README.md"
SAMPLE = re.compile(r"<!-- sample: (?P<name>[\w-]+) -->\n```text\n(?P<body>.*?)```", re.S)
WRONG = PACK / "reference" / "softmax_jacobian" / "wrong_answer" / "missing_else.py"


def grader(*args: str, cwd: Path) -> str:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_PROBLEMS", None)
    done = subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def _grade_wrong(tmp: Path) -> str:
    shutil.copy(WRONG, tmp / "solution.py")
    return grader("grade", "solution.py", cwd=tmp)


def _start(tmp: Path) -> str:
    return grader("start", "course", cwd=tmp)


def _hint(tmp: Path) -> str:
    grader("start", "course", cwd=tmp)
    return grader("hint", "softmax_jacobian", "--learner", "ada", cwd=tmp / "course")


def _progress(tmp: Path) -> str:
    grader("start", "course", cwd=tmp)
    course = tmp / "course"
    shutil.copy(PACK / "reference" / "softmax.py", course / "01_softmax.py")
    shutil.copy(WRONG, course / "03_softmax_jacobian.py")
    for name in ("01_softmax.py", "03_softmax_jacobian.py"):
        grader("submit", name, "--no-report", "--learner", "ada", cwd=course)
    grader("hint", "softmax_jacobian", "--learner", "ada", cwd=course)
    return grader("progress", "--learner", "ada", cwd=course)


def _next(tmp: Path) -> str:
    grader("start", "course", cwd=tmp)
    course = tmp / "course"
    shutil.copy(PACK / "reference" / "softmax.py", course / "01_softmax.py")
    grader("submit", "01_softmax.py", "--no-report", "--learner", "ada", cwd=course)
    return grader("next", "--learner", "ada", cwd=course)


def _list(tmp: Path) -> str:
    return grader("list", cwd=tmp)


SAMPLES: dict[str, Callable[[Path], str]] = {
    "grade-wrong": _grade_wrong,
    "start": _start,
    "hint": _hint,
    "progress": _progress,
    "next": _next,
    "list": _list,
}


def normalised(text: str) -> str:
    text = re.sub(r"\b\d+(\.\d+)? (µs|ms|s)\b", "<time>", text)
    text = re.sub(r"isolation: \w+", "isolation: <mode>", text)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "<date>", text)


def samples() -> list[tuple[str, str]]:
    return [(m["name"], m["body"]) for m in SAMPLE.finditer(README.read_text())]


def test_every_sample_has_a_setup() -> None:
    names = [name for name, _ in samples()]
    assert names and set(names) <= set(SAMPLES), names


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_readme_sample_is_what_the_command_prints(name: str, tmp_path: Path) -> None:
    real = SAMPLES[name](tmp_path)
    if os.environ.get("GRADER_UPDATE_README") == "1":
        text = README.read_text()
        start = text.index(f"<!-- sample: {name} -->\n```text\n") + len(
            f"<!-- sample: {name} -->\n```text\n"
        )
        end = text.index("```", start)
        README.write_text(text[:start] + real + text[end:])
    shown = dict(samples())
    assert name in shown, f"the README has no sample named {name}"
    assert normalised(shown[name]) == normalised(real)
