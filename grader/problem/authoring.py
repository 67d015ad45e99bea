"""Problems as people browse and write them: ``grader list``, ``show``, ``new``.

``new`` scaffolds a spec whose comments teach the format, a reference with a generator, and a
known-verdict submission; once the reference function is written, ``grader check`` passes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from grader.errors import UsageError
from grader.problem.schema import PROBLEM_ID
from grader.problem.spec import Problem

SPEC_TEMPLATE = """\
# {id}: a problem for grader. Every key is described in docs/authoring.md; unknown keys are
# errors. Check the problem with:  grader check {id}
id: {id}                        # = the file name
title: {title}
entry_point: {id}               # the function learners define
signature: "{id}(x: list[float]) -> list[float]"
arguments:                      # name: list | ndarray | int | float, in call order
  x: list
statement: |                    # Markdown, shown by `grader show {id}`
  Say what {id}(x) must return, for which inputs, and how it is checked: an entry passes when
  |got - expected| <= 1e-4 (so values rounded to 4 decimals pass).
limits:
  time_total: 15s               # time_per_case is derived from the reference when omitted
  memory: 1GiB
check:                          # the comparison rule; a case may override it with its own check
  atol: 1.0e-4
  rtol: 0.0
examples:                       # learners see inputs, expected values and what they returned
  - name: first example
    args: {{x: [1.0, 2.0, 3.0]}}
    # expected: [...]           # optional: the value you publish, checked against the reference
hidden:                         # learners see names, verdicts and times only
  - name: single value
    args: {{x: [5.0]}}
  - name: large values
    args: {{x: [1000.0, 1001.0, 1002.0]}}
    weight: 2                   # points of this case (default 1)
generated:                      # hidden cases made by a function of the reference
  - name: random vectors
    generator: random_vector    # reference/{id}.py: random_vector(rng, **params) -> args
    params: {{n: [2, 20], scale: 3.0}}
    count: 10
    seed: 1                     # case k uses numpy.random.default_rng([seed, k])
"""

REFERENCE_TEMPLATE = '''\
"""Reference solution and case generators for ``{id}``.

The grader computes every expected value from ``{id}`` (unrounded), so make it exact and
numerically stable. Known-verdict submissions live in reference/{id}/<verdict>/ (accepted,
wrong_answer, time_limit, runtime_error, ...): ``grader check`` proves each gets its verdict.
"""

import numpy as np


def {id}(x):
    """The reference solution."""
    raise NotImplementedError("write the reference solution of {id}")


def random_vector(rng, n, scale):
    """A vector of random length in n = [low, high], normal with standard deviation ``scale``."""
    low, high = n
    return {{"x": (rng.standard_normal(int(rng.integers(low, high + 1))) * scale).tolist()}}
'''

KNOWN_NONE = """\
# Forgets to return: every case must be invalid_output (a known-verdict submission for check).
def {id}(x):
    result = x
"""


def new(problem_id: str, problems: Path) -> list[Path]:
    """Scaffold problem ``problem_id`` beside ``problems``; refuses to overwrite anything."""
    if not PROBLEM_ID.match(problem_id):
        raise UsageError(f"'{problem_id}' is not a valid problem id ({PROBLEM_ID.pattern})")
    reference = problems.parent / "reference"
    files = {
        problems / f"{problem_id}.yaml": SPEC_TEMPLATE,
        reference / f"{problem_id}.py": REFERENCE_TEMPLATE,
        reference / problem_id / "invalid_output" / "returns_nothing.py": KNOWN_NONE,
    }
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise UsageError(f"not overwriting {', '.join(existing)}")
    title = problem_id.replace("_", " ").capitalize()
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(id=problem_id, title=title), encoding="utf-8")
    return list(files)


def starter(problem: Problem, path: Path, commands: tuple[str, ...] = ("grade {file}",)) -> None:
    """Write a starter file for ``problem`` at ``path``; refuses to overwrite.

    Its docstring lists ``commands`` to run (``{file}`` and ``{id}`` are filled in).
    """
    if path.exists():
        raise UsageError(f"not overwriting {path}")
    doc = textwrap.indent(problem.statement.strip(), "    ")
    params = ", ".join(problem.arguments)
    run = "".join(f"    grader {c.format(file=path.name, id=problem.id)}\n" for c in commands)
    head = _docstring(f"{problem.title}: write {problem.entry_point} below, then run:\n\n{run}")
    body = _docstring(f"{problem.signature or problem.entry_point}\n\n{doc}\n    ")
    path.write_text(
        f"{head}\n\n\ndef {problem.entry_point}({params}):\n    {body}\n    ...\n",
        encoding="utf-8",
    )


def _docstring(text: str) -> str:
    """``text`` as a raw docstring that compiles whatever the statement holds (LaTeX's
    backslashes stay as written; a triple quote of its own becomes three single quotes)."""
    quotes = '"' * 3
    return "r" + quotes + text.replace(quotes, "'" * 3) + quotes
