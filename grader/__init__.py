"""grader: a local autograder for numeric coding exercises.

The library's entry points, one per CLI command that does work (the CLI is a thin layer over
them; a notebook or a service calls them the same way):

* ``grader.grade(path, problem=None, problems=None, sandbox="auto") -> Result``
* ``grader.batch(folder, problem, problems=None, *, jobs, sandbox, out, ...) -> Outputs``
* ``grader.check(ids=(), problems=None, sandbox="auto") -> list[CheckReport]``
* ``grader.record_attempt(path, result, learner=None, at=None) -> (attempt, gradebook)``
* ``grader.render(result, format="text") -> str`` (text json md gradescope junit)

They raise ``grader.errors.UsageError`` (and its ``SpecError``) for what the caller must fix;
whatever a submission does is part of the result. They are imported on first use, so that
``import grader`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "grade": "grader.pipeline",
    "batch": "grader.course.batch",
    "check": "grader.verify",
    "record_attempt": "grader.course.gradebook",
    "render": "grader.report",
}

if TYPE_CHECKING:
    from grader.course.batch import batch as batch
    from grader.course.gradebook import record_attempt as record_attempt
    from grader.pipeline import grade as grade
    from grader.report import render as render
    from grader.verify import check as check


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
