"""An interpreter whose packages live under a shared folder (a virtual environment in /tmp, as
CI makes in a fresh clone there): a run's tmpfs covers /tmp, /var/tmp and /dev/shm, but never
one that holds the interpreter's code, or every lazy import of the worker would fail."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.run.launch import bwrap_problem

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = """import numpy as np

def softmax_jacobian(x):
    import lazily_imported  # from the environment under /tmp, imported during the run
    s = np.exp(x - np.max(x))
    s = s / s.sum()
    return lazily_imported.ONE * (np.diag(s) - np.outer(s, s))
"""


@pytest.fixture
def venv_under_tmp() -> Iterator[Path]:
    """A virtual environment in /tmp whose own site-packages holds a module; numpy and the
    grader come from this test run's environment. Its python is returned."""
    folder = Path(tempfile.mkdtemp(prefix="grader-test-venv-", dir="/tmp"))
    try:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
        python = folder / "bin" / "python"
        where = [sysconfig.get_path("purelib"), sysconfig.get_path("platlib"), str(ROOT)]
        site = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        (Path(site) / "lazily_imported.py").write_text("ONE = 1.0\n")
        (Path(site) / "this_run.pth").write_text(
            "".join(f"import site; site.addsitedir({p!r})\n" for p in dict.fromkeys(where))
        )
        yield python
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    "sandbox",
    [
        "off",
        pytest.param(
            "on", marks=pytest.mark.skipif(bwrap_problem() is not None, reason=str(bwrap_problem()))
        ),
    ],
)
def test_a_run_imports_lazily_from_an_environment_under_tmp(
    venv_under_tmp: Path, tmp_path: Path, sandbox: str
) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text(SOLUTION)
    command = [str(venv_under_tmp), "-m", "grader", "grade", str(solution)]
    command += ["--problem", "softmax_jacobian", "--sandbox", sandbox, "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert json.loads(done.stdout)["status"] == "accepted"
