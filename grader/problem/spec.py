"""Problem specs: ``problems/<id>.yaml`` loaded, validated strictly, turned into a ``Problem``.

Every error is a ``SpecError`` naming the file, the line and the field path
(``problems/x.yaml:14: examples[2].args: ...``). Unknown keys are errors, so a typo such as
``tolerence`` never passes silently.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import SpecError, UsageError
from grader.model import CASE_WEIGHT, Limits, Tolerance
from grader.problem.readers import get, integer, number, numeric, section
from grader.problem.yamlmap import FieldPath, Located, dotted, load


@dataclass(frozen=True)
class CaseSpec:
    """One written-out case; ``expected`` is the published value, or None."""

    name: str
    visibility: str
    args: Mapping[str, Any]
    expected: Any
    weight: float
    tolerance: Tolerance
    time_limit: float | None
    line: int | None


@dataclass(frozen=True)
class GeneratedSpec:
    """``count`` hidden cases whose args come from ``generator(rng, **params)`` in the reference."""

    name: str
    generator: str
    params: Mapping[str, Any]
    count: int
    seed: int
    weight: float
    tolerance: Tolerance
    time_limit: float | None
    line: int | None


@dataclass(frozen=True)
class Problem:
    id: str
    title: str
    entry_point: str
    signature: str
    arguments: Mapping[str, str]  # name -> list | ndarray | int | float, in call order
    statement: str
    limits: Limits
    tolerance: Tolerance
    examples: tuple[CaseSpec, ...]
    hidden: tuple[CaseSpec, ...]
    generated: tuple[GeneratedSpec, ...]
    path: Path
    reference: Path
    hints: tuple[str, ...] = ()  # the ladder shown one at a time by ``grader hint``


# --------------------------------------------------------------------------------------------
# From validated sections to the Problem.


def _tolerance(src: Located, at: FieldPath, raw: Mapping[str, Any], base: Tolerance) -> Tolerance:
    tolerance = Tolerance(
        raw.get("atol", base.atol), raw.get("rtol", base.rtol), raw.get("squeeze", base.squeeze)
    )
    if tolerance.atol == 0 and tolerance.rtol == 0:
        raise src.error(at, "atol and rtol are both 0: only bit-identical floats would pass")
    return tolerance


def _limits(src: Located, at: FieldPath, raw: Mapping[str, Any]) -> Limits:
    d = Limits()
    limits = Limits(
        raw.get("time_per_case", d.time_per_case),
        raw.get("time_total", max(d.time_total, raw.get("time_per_case", 0))),
        raw.get("memory", d.memory),
        raw.get("output", d.output),
    )
    if limits.time_per_case is not None and limits.time_total < limits.time_per_case:
        raise src.error((*at, "time_total"), "is shorter than time_per_case")
    if limits.memory < 256 << 20:
        raise src.error((*at, "memory"), "below 256MiB the interpreter and numpy cannot start")
    return limits


def _args(src: Located, at: FieldPath, arguments: Mapping[str, str]) -> dict[str, Any]:
    raw = get(src, at)
    for key in raw:
        if key not in arguments:
            known = ", ".join(arguments)
            raise src.error((*at, str(key)), f"unknown key; known keys: {known}")
    for name, kind in arguments.items():
        where = (*at, name)
        if name not in raw:
            raise src.error(at, f"missing required key '{name}'")
        if kind in ("list", "ndarray"):
            numeric(src, where)
        elif kind == "int":
            integer(src, where, minimum=-(2**63))
        else:
            number(src, where, minimum=-math.inf)
    return dict(raw)


def _case(
    src: Located,
    at: FieldPath,
    raw: Mapping[str, Any],
    visibility: str,
    arguments: Mapping[str, str],
    tolerance: Tolerance,
) -> CaseSpec:
    return CaseSpec(
        name=raw["name"],
        visibility=visibility,
        args=_args(src, (*at, "args"), arguments),
        expected=raw.get("expected"),
        weight=raw.get("weight", CASE_WEIGHT),
        tolerance=_tolerance(src, (*at, "check"), raw["check"], tolerance)
        if "check" in raw
        else tolerance,
        time_limit=raw.get("time_limit"),
        line=src.line(at),
    )


def _generated(
    src: Located, at: FieldPath, raw: Mapping[str, Any], tolerance: Tolerance
) -> GeneratedSpec:
    return GeneratedSpec(
        name=raw["name"],
        generator=raw["generator"],
        params=raw.get("params", {}),
        count=raw["count"],
        seed=raw["seed"],
        weight=raw.get("weight", CASE_WEIGHT),
        tolerance=_tolerance(src, (*at, "check"), raw["check"], tolerance)
        if "check" in raw
        else tolerance,
        time_limit=raw.get("time_limit"),
        line=src.line(at),
    )


def parse(src: Located) -> Problem:
    """Validate the located YAML of one problem and build the ``Problem``."""
    raw = section(src, (), "problem")
    problem_id = raw["id"]
    if problem_id != src.path.stem:
        raise src.error(("id",), f"'{problem_id}' differs from the file name '{src.path.stem}'")
    arguments = raw["arguments"]
    tolerance = (
        _tolerance(src, ("check",), raw["check"], Tolerance()) if "check" in raw else Tolerance()
    )
    reference = src.path.parent.parent / "reference" / f"{problem_id}.py"
    if "reference" in raw:
        reference = (src.path.parent / raw["reference"]).resolve()

    examples = tuple(
        _case(src, ("examples", i), item, "example", arguments, tolerance)
        for i, item in enumerate(raw.get("examples", []))
    )
    hidden = tuple(
        _case(src, ("hidden", i), item, "hidden", arguments, tolerance)
        for i, item in enumerate(raw.get("hidden", []))
    )
    generated = tuple(
        _generated(src, ("generated", i), item, tolerance)
        for i, item in enumerate(raw.get("generated", []))
    )
    if not examples and not hidden and not generated:
        raise src.error((), "the problem has no cases (examples, hidden or generated)")
    seen: dict[str, FieldPath] = {}
    groups: tuple[tuple[str, Sequence[CaseSpec | GeneratedSpec]], ...] = (
        ("examples", examples),
        ("hidden", hidden),
        ("generated", generated),
    )
    for key, items in groups:
        for i, item in enumerate(items):
            if item.name in seen:
                also = dotted(seen[item.name])
                message = f"duplicate case name '{item.name}' (also {also})"
                raise src.error((key, i, "name"), message)
            seen[item.name] = (key, i)
    if not reference.is_file():
        raise src.error(("reference",), f"reference solution not found: {reference}")
    return Problem(
        id=problem_id,
        title=raw["title"],
        entry_point=raw["entry_point"],
        signature=raw.get("signature", ""),
        arguments=arguments,
        statement=raw["statement"],
        limits=_limits(src, ("limits",), raw["limits"]) if "limits" in raw else Limits(),
        tolerance=tolerance,
        examples=examples,
        hidden=hidden,
        generated=generated,
        path=src.path,
        reference=reference,
        hints=tuple(raw.get("hints", ())),
    )


Reader = Callable[[Path], Located]  # a spec file -> its located YAML (``yamlmap.load``, cached)


def load_problem(path: Path, read: Reader = load) -> Problem:
    """Load and validate the spec at ``path``; ``read`` parses the YAML (``cache.reader`` may
    skip that for bytes it has seen). Raises SpecError."""
    return parse(read(path))


# --------------------------------------------------------------------------------------------
# Finding problems.


def problems_dir(explicit: Path | None, cwd: Path | None = None) -> Path:
    """``--problems DIR``, else ``$GRADER_PROBLEMS``, else the nearest ``problems/`` upwards."""
    import os

    if explicit is None and os.environ.get("GRADER_PROBLEMS"):
        explicit = Path(os.environ["GRADER_PROBLEMS"])
    if explicit is not None:
        if not explicit.is_dir():
            raise UsageError(f"problems directory not found: {explicit}")
        return explicit
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "problems").is_dir():
            return folder / "problems"
    raise UsageError("no problems/ directory here or above; pass --problems DIR")


def problem_path(directory: Path, problem_id: str) -> Path:
    path = directory / f"{problem_id}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "none"
        raise UsageError(f"unknown problem '{problem_id}' (known: {known})")
    return path


def entry_points(directory: Path, read: Reader = load) -> dict[str, str]:
    """Problem id -> entry point for every valid spec in ``directory``."""
    return entry_points_of(sorted(directory.glob("*.yaml")), read)


def entry_points_of(paths: Iterable[Path], read: Reader = load) -> dict[str, str]:
    """Problem id -> entry point for every valid spec of ``paths``."""
    found: dict[str, str] = {}
    for path in paths:
        try:
            located = read(path)
        except SpecError:
            continue  # unreadable YAML: reported when the problem is graded or checked
        try:
            found[parse(located).id] = located.data["entry_point"]
        except SpecError:  # still found by its entry point, so that grading reports the error
            data = located.data
            if isinstance(data, dict) and isinstance(data.get("entry_point"), str):
                found[path.stem] = data["entry_point"]
    return found
