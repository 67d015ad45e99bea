"""The grader's own files and texts under attack: what a learner's folder, file name, message or
spec can make the grader write, read or spend (issue 10, part 4). Each test is an attack that
worked before it was fixed; it must fail if the defence is removed.
"""

from __future__ import annotations

import csv
import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

CORRECT = """\
import numpy as np

def softmax(x):
    z = np.asarray(x, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()
"""


def grader(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_PROBLEMS", None)
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def batch(folder: Path, problems: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``grader batch`` of ``folder`` for softmax, one job, process mode: the CSV and the
    gradebook in ``out``."""
    return grader(
        "batch", str(folder), "--problem", "softmax", "--problems", str(problems),
        "--out", str(out / "out.csv"), "--gradebook", str(out / "gb.sqlite"),
        "--no-report", "--jobs", "1", "--sandbox", "off",
        cwd=out,
    )  # fmt: skip


def test_the_report_is_never_written_through_a_planted_link(
    tmp_path: Path, problems_dir: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "solution.py").write_text(CORRECT)
    (folder / ".solution.report.html.tmp").symlink_to(victim)  # the old fixed temporary name
    (folder / "solution.report.html").symlink_to(victim)
    done = grader("grade", "solution.py", "--problems", str(problems_dir), cwd=folder)
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "precious\n"
    report = folder / "solution.report.html"
    assert not report.is_symlink() and "<html" in report.read_text()
    assert sorted(p.name for p in folder.iterdir()) == [
        ".solution.report.html.tmp",
        "solution.py",
        "solution.report.html",
    ]  # no temporary file left behind


def test_batch_grades_no_symbolic_link_and_reads_nothing_through_one(
    tmp_path: Path, problems_dir: Path
) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root:SECRET-HASH:19000::::::\n")
    reference = problems_dir.parent / "reference" / "softmax.py"
    folder = tmp_path / "class"
    (folder / "eve").mkdir(parents=True)
    (folder / "eve" / "solution.py").symlink_to(reference)  # the reference, graded as hers
    (folder / "mallory.py").symlink_to(secret)
    (folder / "trent").symlink_to(tmp_path)  # a folder outside the class
    (folder / "alice.py").write_text(CORRECT)
    done = batch(folder, problems_dir, tmp_path)
    assert done.returncode == 1, done.stderr  # someone could not be graded
    rows = {r["learner"]: r for r in csv.DictReader((tmp_path / "out.csv").open())}
    assert rows["alice"]["status"] == "accepted"
    for learner in ("eve", "mallory", "trent"):
        assert rows[learner]["status"] == "not_graded"
        assert "symbolic link" in rows[learner]["note"]
    assert b"SECRET-HASH" not in (tmp_path / "gb.sqlite").read_bytes()


def test_a_file_name_cannot_become_a_spreadsheet_formula(
    tmp_path: Path, problems_dir: Path
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / '=HYPERLINK("http:evil",1).py').write_text(CORRECT)
    (folder / "+sum.py").write_text("def softmax(x):\n    return x\n")
    done = batch(folder, problems_dir, tmp_path)
    assert done.returncode == 0, done.stderr
    cells = [c for row in csv.reader((tmp_path / "out.csv").open()) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http:evil",1)' in cells and "'+sum" in cells


def test_a_file_name_of_any_bytes_is_graded_and_shown_escaped(
    tmp_path: Path, problems_dir: Path
) -> None:
    """Names that are not UTF-8, or hold escape sequences or a right-to-left override: the
    single grade writes its report, the batch its CSV and gradebook (both were exit 3)."""
    folder = tmp_path / "class"
    folder.mkdir()
    odd = os.fsdecode(b"bad\xff\xfename")
    names = [odd, "bad\\xff\\xfename", "red\x1b[31mtext", "evil\u202etxt.exe"]  # two alike
    for name in names:
        (folder / f"{name}.py").write_text(CORRECT)
    single = grader("grade", f"{odd}.py", "--problems", str(problems_dir), cwd=folder)
    assert single.returncode == 0, single.stderr
    assert "bad\\xff\\xfename.py" in (folder / f"{odd}.report.html").read_text()
    (folder / f"{odd}.report.html").unlink()
    done = batch(folder, problems_dir, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr
    rows = {r["learner"]: r for r in csv.DictReader((tmp_path / "out.csv").open())}
    shown = {"bad\\xff\\xfename", "bad\\\\xff\\\\xfename", "red\\x1b[31mtext", "evil\\u202etxt.exe"}
    assert set(rows) == shown
    assert {r["status"] for r in rows.values()} == {"accepted"}


def test_markdown_shows_a_learners_text_and_never_renders_it(
    tmp_path: Path, problems_dir: Path
) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    solution = tmp_path / "solution.py"
    solution.write_text(
        "def softmax(x):\n"
        "    raise ValueError('<img src=http://evil.example/?leak=1> "
        "![x](https://evil.example/a.png) [click](https://evil.example) **bold** | cell')\n"
    )
    done = grader(
        "grade", str(solution), "--problems", str(problems_dir), "--format", "md", "--no-report",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(done.stdout)
    assert "<img" not in html and "<a " not in html and "<strong>bold" not in html
    assert "&lt;img src=http" in html  # the text is there, as text


def test_a_deeply_nested_notebook_is_a_verdict(tmp_path: Path, problems_dir: Path) -> None:
    notebook = tmp_path / "solution.ipynb"
    notebook.write_text('{"cells": ' + "[" * 300_000 + "]" * 300_000 + "}")
    done = grader(
        "grade", str(notebook), "--problem", "softmax", "--problems", str(problems_dir),
        "--format", "json", "--no-report",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["kind"] == "compile_error" and "nested" in error["message"]


def test_an_oversized_source_is_a_verdict_and_costs_the_grader_little(
    tmp_path: Path, problems_dir: Path
) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text(CORRECT + "x = [" + "1, " * 2_000_000 + "]\n")  # about 6 MB
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = grader(
        "grade", str(solution), "--problem", "softmax", "--problems", str(problems_dir),
        "--format", "json", "--no-report", "--sandbox", "off",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "larger than 1 MiB" in json.loads(done.stdout)["error"]["message"]
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kib < max(before, 400 << 10)  # the grader never held the parsed file


def test_a_yaml_alias_bomb_is_a_spec_error(tmp_path: Path) -> None:
    problems = tmp_path / "problems"
    problems.mkdir()
    levels = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    (problems / "bomb.yaml").write_text("\n".join(levels) + "\n")
    (tmp_path / "s.py").write_text("def f(x):\n    return x\n")
    done = grader("grade", "s.py", "--problem", "bomb", "--problems", str(problems), cwd=tmp_path)
    assert done.returncode == 2
    assert "bomb.yaml" in done.stderr and "aliases" in done.stderr


LEAKS = """\
import sys
import numpy as np

def softmax(x):
    if len(x) % 3 == 0:  # an exception named after the input, its message holding it too
        raise type("X" + repr(x)[:30], (Exception,), {})("secret " + repr(x))
    if len(x) % 3 == 1:  # the worker's own exception, raised with the input as its message
        caller = sys._getframe(1)  # up the worker's frames to its module
        while "InvalidOutput" not in caller.f_globals:
            caller = caller.f_back
        raise caller.f_globals["InvalidOutput"]("secret " + repr(x))
    # a line number the file does not have, chosen by the input
    exec(compile("\\n" * (50 + int(abs(x[0]) * 100)) + "raise ValueError()", __file__, "exec"))
"""


@pytest.mark.parametrize("mode", ["off", "auto"])
def test_a_hidden_case_shows_none_of_the_submissions_text(
    tmp_path: Path, problems_dir: Path, mode: str
) -> None:
    from grader.judge.check import BUILTIN_EXCEPTIONS
    from grader.pipeline import grade

    solution = tmp_path / "solution.py"
    solution.write_text(LEAKS)
    result = grade(solution, "softmax", problems_dir, mode)
    hidden = [c for c in result.hidden if c.verdict.value != "passed"]
    assert {c.verdict.value for c in hidden} == {"runtime_error", "invalid_output"}
    allowed = (
        *(f"{name} raised" for name in BUILTIN_EXCEPTIONS),
        "an exception raised",
        "the returned value is not a result of the expected kind",
    )
    for case in hidden:
        assert case.message.startswith(allowed), case.message
        assert "secret" not in case.message and "X[" not in case.message
        assert (
            "line outside the file" in case.message
            or "line 6" in case.message
            or (case.verdict.value == "invalid_output")
        )


COUNTS = """\
def mse_gradient(X, y, W, b):
    n = len(X)  # how many parts or keys come back is chosen by the hidden input
    return [None] * (n + 40) if n % 2 else {f"k{i}": 0.0 for i in range(n * 100 + 7)}
"""


def test_a_hidden_case_says_no_count_of_parts_or_keys_the_submission_chose(
    tmp_path: Path, problems_dir: Path
) -> None:
    from grader.pipeline import grade

    solution = tmp_path / "solution.py"
    solution.write_text(COUNTS)
    result = grade(solution, "mse_gradient", problems_dir, "off")
    assert result.hidden and all(c.verdict.value != "passed" for c in result.hidden)
    for case in result.hidden:
        assert set(re.findall(r"\d+", case.message)) <= {"3"}, case.message
        assert "k1" not in case.message


def test_a_starter_compiles_whatever_the_statement_holds(tmp_path: Path) -> None:
    from dataclasses import replace

    from grader.pipeline import find_problem
    from grader.problem.authoring import starter

    statement = 'Use $\\nabla f$, \\frac{a}{b}, \\N and \\xi; a """ quote; end\\'
    problem = replace(find_problem("softmax"), statement=statement, title='T """ x\\')
    path = tmp_path / "01_softmax.py"
    starter(problem, path)
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    assert "\\nabla f$, \\frac{a}{b}, \\N and \\xi" in str(namespace["softmax"].__doc__)
