"""Notebook submissions: code cells joined, IPython syntax dropped with a note, errors by cell."""

from __future__ import annotations

import json
from pathlib import Path

from grader.model import ErrorKind
from grader.pipeline import grade
from grader.submission.notebook import convert

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references
SOLUTION = [
    "def softmax_jacobian(x):\n",
    "    z = np.asarray(x) - max(x)\n",
    "    s = np.exp(z) / np.exp(z).sum()\n",
    "    return np.diag(s) - np.outer(s, s)\n",
]


def notebook(path: Path, *code_cells: list[str]) -> Path:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# My solution\n"]}]
    cells += [
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": source,
        }
        for source in code_cells
    ]
    path.write_text(
        json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})
    )
    return path


def test_conversion_keeps_lines_in_place_and_notes_what_it_dropped() -> None:
    script = convert(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "source": ["%load_ext autoreload\n", "import numpy as np\n"],
                    },
                    {"cell_type": "markdown", "source": ["text"]},
                    {"cell_type": "code", "source": "%%bash\necho hi\n"},
                    {"cell_type": "code", "source": ["if True:\n", "    !ls\n", "x = 1\n"]},
                ]
            }
        )
    )
    compile(script.source, "nb", "exec")
    assert script.where(2) == "cell 1, line 2"
    assert script.where(script.cells[-1][0] + 2) == "cell 4, line 3"
    assert script.notes == (
        "cell 1, line 1: IPython syntax dropped: %load_ext autoreload",
        "cell 3: the cell magic %%bash was dropped with its whole cell",
        "cell 4, line 2: IPython syntax dropped: !ls",
    )


def test_a_notebook_is_graded_and_errors_name_the_cell(tmp_path: Path) -> None:
    good = notebook(
        tmp_path / "good.ipynb", ["%matplotlib inline\n", "import numpy as np\n"], SOLUTION
    )
    result = grade(good, None, PACK / "problems")
    assert result.status.value == "accepted" and result.problem == "softmax_jacobian"
    assert result.notes == ("cell 2, line 1: IPython syntax dropped: %matplotlib inline",)
    broken = [SOLUTION[0], "    z = x - x.max()\n", *SOLUTION[2:]]
    bad = notebook(tmp_path / "bad.ipynb", ["import numpy as np\n"], broken)
    result = grade(bad, None, PACK / "problems")
    assert result.cases[0].message == (
        "AttributeError: 'list' object has no attribute 'max'; at cell 3, line 2"
    )


def test_a_syntax_error_in_a_notebook_names_the_cell(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "typo.ipynb",
        ["import numpy as np\n"],
        ["def softmax_jacobian(x)\n", "    return x\n"],
    )
    result = grade(path, "softmax_jacobian", PACK / "problems")
    assert result.error is not None and result.error.kind is ErrorKind.COMPILE_ERROR
    assert result.error.message == "SyntaxError: expected ':' (cell 3, line 1)"
    assert result.error.line is None


def test_a_file_that_is_not_a_notebook(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    result = grade(path, "softmax_jacobian", PACK / "problems")
    assert result.error is not None and "not a Jupyter notebook" in result.error.message
