"""Where the fork server imports from (``launch.search_path``): the interpreter's standard library,
site-packages and what their .pth files add, never the grader's working directory, script folder
or PYTHONPATH, even where those are folders a worker may read (here: inside the interpreter's
prefix). A module there named like one the worker imports would replace it in every run; one only
there must not be importable by a submission.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.pipeline import grade
from grader.run import launch
from grader.run.launch import bwrap_problem
from grader.run.sandbox import Sandbox

PROBLEMS = Path(__file__).parent / "hostile" / "problem" / "problems"
RAISES = "raise RuntimeError('imported from the grader\\'s own folders')\n"
MODES = [
    pytest.param("off", id="process"),
    pytest.param(
        "on", id="bubblewrap", marks=pytest.mark.skipif(bwrap_problem() is not None, reason="")
    ),
]


@pytest.fixture
def callers_folders(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A working directory (first on ``sys.path``, as under ``python -m``) and a PYTHONPATH
    folder, both inside the interpreter's prefix (a worker may read them), each holding a
    ``numpy.py`` that raises and a module found nowhere else."""
    holder = Path(tempfile.mkdtemp(prefix="grader-test-callers-", dir=sys.prefix))
    cwd, pythonpath = holder / "cwd", holder / "pythonpath"
    try:
        for folder, name in ((cwd, "only_in_cwd"), (pythonpath, "only_in_pythonpath")):
            folder.mkdir()
            (folder / "numpy.py").write_text(RAISES)
            (folder / f"{name}.py").write_text("SECRET = 42\n")
        holder.chmod(0o755)  # the dedicated uid could read them, if they were on the path
        monkeypatch.chdir(cwd)
        monkeypatch.setenv("PYTHONPATH", str(pythonpath))
        monkeypatch.setattr(sys, "path", [str(cwd), str(pythonpath), *sys.path])
        yield cwd, pythonpath
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def test_the_search_path_leaves_out_the_callers_folders(
    callers_folders: tuple[Path, Path],
) -> None:
    found = launch.search_path()
    assert not any(str(f) in found for f in callers_folders)
    stdlib = str(Path(shutil.__file__).parent)
    assert stdlib in found and any(p.endswith("site-packages") for p in found)
    assert launch._numpy_folder()[0] in found


@pytest.mark.parametrize("mode", MODES)
def test_a_run_imports_nothing_from_the_callers_folders(
    callers_folders: tuple[Path, Path], tmp_path: Path, mode: str
) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text("import numpy\n\ndef double(x):\n    return [2 * v for v in x]\n")
    result = grade(solution, "double", PROBLEMS, Sandbox(mode))
    assert result.status.value == "accepted", result.error  # numpy is numpy
    for name in ("only_in_cwd", "only_in_pythonpath"):
        solution.write_text(f"import {name}\n\ndef double(x):\n    return [2 * v for v in x]\n")
        result = grade(solution, "double", PROBLEMS, Sandbox(mode))
        assert result.error is not None and result.error.kind.value == "import_error"
        assert f"No module named '{name}'" in result.error.message
