"""Problem specs: ``problems/<id>.yaml`` loaded, validated strictly, turned into a ``Problem``.

Every error is a ``SpecError`` naming the file, the line and the field path
(``problems/x.yaml:14: examples[2].args: ...``). Unknown keys are errors, so a typo such as
``tolerence`` never passes silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.errors import SpecError, UsageError
from grader.model import CASE_WEIGHT, Limits, Part, Tolerance
from grader.problem import declared as declared_
from grader.problem import script
from grader.problem.kinds import Argument, Error, Method, call_entries
from grader.problem.readers import section
from grader.problem.results import accepts_result, resolve
from grader.problem.yamlmap import FieldPath, Located, dotted, load


@dataclass(frozen=True)
class CaseSpec:
    """One written-out case; ``expected`` is the published value, or None."""

    name: str
    visibility: str
    args: Mapping[str, Any]  # the given arguments (a class: {"calls": steps})
    call: Mapping[str, Any]  # how the entry point is called (``grader.run.child.calls``)
    result: Part  # the result's structure with this case's comparisons
    expected: Any
    weight: float
    time_limit: float | None
    line: int | None
    seed: int | None = None  # the random state of the call, when the problem is seeded

    @property
    def tolerance(self) -> Tolerance:
        return self.result.check


@dataclass(frozen=True)
class GeneratedSpec:
    """``count`` hidden cases whose args come from ``generator(rng, **params)`` in the reference."""

    name: str
    generator: str
    params: Mapping[str, Any]
    count: int
    seed: int
    weight: float
    check: Mapping[str, Any]  # the keys of this entry's check, applied to every part
    time_limit: float | None
    line: int | None
    tolerance: Tolerance = field(default_factory=Tolerance)


@dataclass(frozen=True)
class Problem:
    id: str
    title: str
    entry_point: str
    signature: str
    arguments: Mapping[str, Argument]  # in call order (of the constructor, for a class)
    statement: str
    limits: Limits
    tolerance: Tolerance
    examples: tuple[CaseSpec, ...]
    hidden: tuple[CaseSpec, ...]
    generated: tuple[GeneratedSpec, ...]
    path: Path
    reference: Path
    result: Part = field(default_factory=Part)  # the declared structure of a function's result
    methods: Mapping[str, Method] = field(default_factory=dict)  # a class's
    attributes: Mapping[str, Part] = field(default_factory=dict)
    seed: int | None = None  # every case's random state, when seeded
    checkers: tuple[tuple[str, int | None, str], ...] = ()  # (checker, line, field) to find
    hints: tuple[str, ...] = ()  # the ladder shown one at a time by ``grader hint``

    @property
    def is_class(self) -> bool:
        """The entry point is a class, driven by each case's call script."""
        return bool(self.methods)

    @property
    def seeded(self) -> bool:
        """Cases seed the random state: a seed is declared, or an argument is a generator."""
        declared = [*self.arguments.values()]
        declared += [a for m in self.methods.values() for a in m.arguments.values()]
        return self.seed is not None or any("generator" in a.types for a in declared)


# --------------------------------------------------------------------------------------------
# From validated sections to the Problem.


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


@dataclass(frozen=True)
class _Declared:
    """What every case is read against."""

    arguments: Mapping[str, Argument]
    result: Part
    methods: Mapping[str, Method]
    attributes: Mapping[str, Part]
    tolerance: Tolerance
    seed: int | None


def case_input(
    declared: _Declared | Problem, given: Mapping[str, Any], override: Mapping[str, Any]
) -> tuple[dict[str, Any], Part] | Error:
    """(the call without its seed, the result's structure for it) of a case whose arguments
    (a class: ``{"calls": steps}``) are ``given``; or an Error whose path starts there."""
    if declared.methods:
        if set(given) != {"calls"}:
            return Error("a class problem's case gives calls (its script), not args")
        found = script.build(
            given["calls"],
            declared.arguments,
            declared.methods,
            declared.attributes,
            declared.tolerance,
        )
        if isinstance(found, Error):
            return found.inside("calls")
        steps, result = found
        return {"script": steps}, resolve(result, override)
    entries = call_entries(declared.arguments, given)
    if isinstance(entries, Error):
        return entries
    call: dict[str, Any] = {"args": entries[0]}
    if entries[1]:
        call["kwargs"] = entries[1]
    return call, resolve(declared.result, override)


def _case(
    src: Located, at: FieldPath, raw: Mapping[str, Any], visibility: str, declared: _Declared
) -> CaseSpec:
    key = "calls" if declared.methods else "args"
    if key not in raw:
        raise src.error(at, f"missing required key '{key}'")
    other = "args" if key == "calls" else "calls"
    if other in raw:
        problem = "a class problem" if declared.methods else "a function problem"
        raise src.error((*at, other), f"{problem}'s case gives {key}, not {other}")
    override: dict[str, Any] = {}
    if "check" in raw:
        override = declared_.check(src, (*at, "check"), declared.tolerance)[1]
    given = {"calls": raw["calls"]} if declared.methods else raw["args"]
    found = case_input(declared, given, override)
    if isinstance(found, Error):
        raise declared_.located(src, (*at, key) if key == "args" else at, found)
    call, result = found
    expected = raw.get("expected")
    if "expected" in raw:
        error = accepts_result(result, expected)
        if error is not None:
            raise declared_.located(src, (*at, "expected"), error)
    seed = raw.get("seed", declared.seed)
    return CaseSpec(
        name=raw["name"],
        visibility=visibility,
        args=dict(given),
        call=call,
        result=result,
        expected=expected,
        weight=raw.get("weight", CASE_WEIGHT),
        time_limit=raw.get("time_limit"),
        line=src.line(at),
        seed=seed,
    )


def _generated(
    src: Located, at: FieldPath, raw: Mapping[str, Any], tolerance: Tolerance
) -> GeneratedSpec:
    check, override = (
        declared_.check(src, (*at, "check"), tolerance) if "check" in raw else (tolerance, {})
    )
    return GeneratedSpec(
        name=raw["name"],
        generator=raw["generator"],
        params=raw.get("params", {}),
        count=raw["count"],
        seed=raw["seed"],
        weight=raw.get("weight", CASE_WEIGHT),
        check=override,
        time_limit=raw.get("time_limit"),
        line=src.line(at),
        tolerance=check,
    )


def _checkers(src: Located, part: Part, at: FieldPath) -> list[tuple[str, int | None, str]]:
    found = [(part.check.checker, src.line(at), dotted(at))] if part.check.checker else []
    return found + [c for p in part.parts for c in _checkers(src, p, at)]


def parse(src: Located) -> Problem:
    """Validate the located YAML of one problem and build the ``Problem``."""
    raw = section(src, (), "problem")
    problem_id = raw["id"]
    if problem_id != src.path.stem:
        raise src.error(("id",), f"'{problem_id}' differs from the file name '{src.path.stem}'")
    tolerance = declared_.check(src, ("check",), Tolerance())[0] if "check" in raw else Tolerance()
    arguments = declared_.arguments(src, ("arguments",))
    if "methods" in raw and "result" in raw:
        raise src.error(
            ("result",),
            "a class problem's result is what its calls check: "
            "declare returns of methods and attributes instead",
        )
    if "attributes" in raw and "methods" not in raw:
        raise src.error(("attributes",), "attributes belong to a class: declare its methods")
    result = (
        declared_.part(src, ("result",), tolerance) if "result" in raw else Part(check=tolerance)
    )
    methods = declared_.methods(src, ("methods",), tolerance) if "methods" in raw else {}
    attributes = (
        declared_.attributes(src, ("attributes",), tolerance) if "attributes" in raw else {}
    )
    seeded = raw.get("seed")
    declared = _Declared(arguments, result, methods, attributes, tolerance, seeded)
    if seeded is None and any(
        "generator" in a.types
        for a in [*arguments.values(), *(x for m in methods.values() for x in m.arguments.values())]
    ):
        declared = replace(declared, seed=0)
    reference = src.path.parent.parent / "reference" / f"{problem_id}.py"
    if "reference" in raw:
        reference = (src.path.parent / raw["reference"]).resolve()

    examples = tuple(
        _case(src, ("examples", i), item, "example", declared)
        for i, item in enumerate(raw.get("examples", []))
    )
    hidden = tuple(
        _case(src, ("hidden", i), item, "hidden", declared)
        for i, item in enumerate(raw.get("hidden", []))
    )
    generated = tuple(
        _generated(src, ("generated", i), item, tolerance)
        for i, item in enumerate(raw.get("generated", []))
    )
    if not examples and not hidden and not generated:
        raise src.error((), "the problem has no cases (examples, hidden or generated)")
    groups: tuple[tuple[str, Sequence[CaseSpec | GeneratedSpec]], ...] = (
        ("examples", examples),
        ("hidden", hidden),
        ("generated", generated),
    )
    _unique_names(src, groups)
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
        result=result,
        methods=methods,
        attributes=attributes,
        seed=declared.seed,
        checkers=_all_checkers(src, result, methods, attributes, groups),
    )


def _unique_names(
    src: Located, groups: tuple[tuple[str, Sequence[CaseSpec | GeneratedSpec]], ...]
) -> None:
    """Every case name is used once, across examples, hidden and generated cases."""
    seen: dict[str, FieldPath] = {}
    for key, items in groups:
        for i, item in enumerate(items):
            if item.name in seen:
                also = dotted(seen[item.name])
                message = f"duplicate case name '{item.name}' (also {also})"
                raise src.error((key, i, "name"), message)
            seen[item.name] = (key, i)


def _all_checkers(
    src: Located,
    result: Part,
    methods: Mapping[str, Method],
    attributes: Mapping[str, Part],
    groups: tuple[tuple[str, Sequence[CaseSpec | GeneratedSpec]], ...],
) -> tuple[tuple[str, int | None, str], ...]:
    """The custom checkers the spec names (the reference must define each), with where."""
    checkers = _checkers(src, result, ("result",))
    for name, method in methods.items():
        if method.returns is not None:
            checkers += _checkers(src, method.returns, ("methods", name, "returns"))
    for name, attribute in attributes.items():
        checkers += _checkers(src, attribute, ("attributes", name))
    for key, items in groups:
        for i, item in enumerate(items):
            if isinstance(item, CaseSpec) and item.tolerance.checker:
                checkers.append((item.tolerance.checker, item.line, f"{key}[{i}].check.checker"))
    return tuple(dict.fromkeys(checkers))


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
