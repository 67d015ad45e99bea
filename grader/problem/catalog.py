"""Where problems come from: the pack shipped with the package, and a local folder over it.

A *pack* is a folder holding ``problems/<id>.yaml``, ``reference/<id>.py`` (the spec's default
``../reference``) and optionally ``course.yaml``, which declares the order learners meet the
problems in::

    title: Softmax and its derivatives
    order: [softmax, log_softmax, softmax_jacobian, ...]

The grader ships one pack as package data (``grader/pack/``), so ``pip install .`` is enough to
``list``, ``show``, ``grade`` and ``watch`` from any folder. A local problems folder
(``--problems DIR``, else ``$GRADER_PROBLEMS``, else the nearest ``problems/`` at or above the
working directory) adds problems and overrides shipped ones of the same id. The course order is
the local pack's, then the shipped pack's, then any other problem by id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import SpecError, UsageError

if TYPE_CHECKING:
    from grader.problem.spec import Reader

SHIPPED = Path(__file__).resolve().parent.parent / "pack"  # grader/pack: installed package data
COURSE = "course.yaml"


@dataclass(frozen=True)
class Catalog:
    """The problems a command can see: ``local`` (may be None) over ``shipped`` (may be None)."""

    local: Path | None
    shipped: Path | None

    @property
    def folders(self) -> tuple[Path, ...]:
        """Problem folders, the one that wins first."""
        return tuple(f for f in (self.local, self.shipped) if f is not None)

    @cached_property
    def specs(self) -> dict[str, Path]:
        """Problem id -> spec file; a local spec hides a shipped one of the same id."""
        found: dict[str, Path] = {}
        for folder in reversed(self.folders):
            found.update((p.stem, p) for p in sorted(folder.glob("*.yaml")))
        return dict(sorted(found.items()))

    def path(self, problem_id: str) -> Path:
        """The spec of ``problem_id``; a UsageError naming the known ones if there is none."""
        if problem_id not in self.specs:
            known = ", ".join(self.specs) or "none"
            raise UsageError(f"unknown problem '{problem_id}' (known: {known})")
        return self.specs[problem_id]

    def origin(self, problem_id: str) -> str:
        """``local`` or ``shipped``."""
        spec = self.specs.get(problem_id)
        return "local" if spec is not None and spec.parent == self.local else "shipped"

    def entry_points(self, read: Reader | None = None) -> dict[str, str]:
        """Problem id -> the entry point its spec declares; ``read`` parses a spec (default:
        ``yamlmap.load``; the cache's reader skips the YAML of bytes it has seen)."""
        from grader.problem.spec import entry_points_of
        from grader.problem.yamlmap import load

        return entry_points_of(self.specs.values(), read or load)

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Every problem id in course order."""
        declared: list[str] = []
        for folder in self.folders:
            declared += course_order(folder.parent / COURSE)
        ordered = [pid for pid in dict.fromkeys(declared) if pid in self.specs]
        return (*ordered, *(pid for pid in self.specs if pid not in ordered))

    @property
    def title(self) -> str:
        """The course's title: the local pack's, else the shipped one's."""
        for folder in self.folders:
            title = course_title(folder.parent / COURSE)
            if title:
                return title
        return "Problems"


def catalog(explicit: Path | None = None, cwd: Path | None = None) -> Catalog:
    """The problems seen from ``cwd``: ``explicit`` (``--problems``), else ``$GRADER_PROBLEMS``,
    else the nearest ``problems/`` upwards, over the shipped pack.

    A folder named explicitly that does not exist is a UsageError, and so is finding no
    problems at all.
    """
    if explicit is None and os.environ.get("GRADER_PROBLEMS"):
        explicit = Path(os.environ["GRADER_PROBLEMS"])
    local: Path | None = None
    if explicit is not None:
        if not explicit.is_dir():
            raise UsageError(f"problems directory not found: {explicit}")
        local = explicit
    else:
        for folder in upwards(cwd or Path.cwd()):
            if (folder / "problems").is_dir():
                local = folder / "problems"
                break
    shipped = SHIPPED / "problems"
    found = Catalog(local, shipped if shipped.is_dir() else None)
    if local is not None and shipped.is_dir() and local.resolve() == shipped.resolve():
        found = Catalog(None, shipped)
    if not found.folders:
        raise UsageError(
            "no problems: none ship with this install and no problems/ folder is "
            "here or above; pass --problems DIR"
        )
    return found


def _course(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(path, None, "", f"cannot read the course: {exc}") from None
    if not isinstance(data, dict) or set(data) - {"title", "order"}:
        raise SpecError(path, None, "", "a course has the keys title and order only")
    order = data.get("order", [])
    if not isinstance(order, list) or not all(isinstance(i, str) for i in order):
        raise SpecError(path, None, "order", "expected a list of problem ids")
    return data


def course_order(path: Path) -> list[str]:
    """The ``order`` of a ``course.yaml`` (empty when there is none)."""
    order = _course(path).get("order", [])
    return list(order) if isinstance(order, list) else []


def course_title(path: Path) -> str:
    title = _course(path).get("title", "")
    return title if isinstance(title, str) else ""


def upwards(start: Path) -> list[Path]:
    """``start`` and its parents, where the grader looks for a ``problems/`` folder or a
    workspace; the search stops below ``$GRADER_CEILING`` when it is set (as git's
    ``GIT_CEILING_DIRECTORIES``: the test suite sets it, so that a stray folder elsewhere on the
    machine changes nothing)."""
    here = start.resolve()
    ceiling = os.environ.get("GRADER_CEILING")
    stop = Path(ceiling).resolve() if ceiling else None
    out = []
    for folder in (here, *here.parents):
        if stop is not None and folder == stop:
            break
        out.append(folder)
    return out
