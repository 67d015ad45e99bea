"""Cases: the examples, hidden and generated cases of a problem, with expected values.

Every expected value is computed here, in the grader's own process, by the problem's reference
solution (unrounded); the published ``expected`` of a spec case is kept beside it for display and
for ``grader check``. Nothing in this module ever reaches the submission's process except the
``args`` of a case.
"""

from __future__ import annotations

import importlib.util
import math
import random
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from grader.errors import SpecError
from grader.model import Case, Part, Visibility, encode_args
from grader.problem.kinds import Error, filled, plain
from grader.problem.results import expected_node, published_node
from grader.problem.spec import GeneratedSpec, Problem, case_input
from grader.run.child import codec
from grader.run.child.calls import invoke


def load_reference(problem: Problem) -> ModuleType:
    """Import ``problem.reference`` as a fresh module; any failure is a SpecError."""
    path = problem.reference
    name = f"_grader_reference_{problem.id}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise SpecError(path, None, "", "cannot load the reference solution")
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:  # the reference is instructor code; report it, never crash
        raise SpecError(
            path,
            _line_in(exc, path),
            "",
            f"the reference fails to import: {type(exc).__name__}: {exc}",
        ) from None
    if not callable(getattr(module, problem.entry_point, None)):
        raise SpecError(
            path, None, problem.entry_point, "the reference does not define the entry point"
        )
    if problem.is_class and not isinstance(getattr(module, problem.entry_point), type):
        raise SpecError(
            path, None, problem.entry_point, "the entry point of a class problem is not a class"
        )
    return module


TIME_FLOOR = 1.0  # seconds: no derived limit is shorter
TIME_MULTIPLIER = 20  # learners write loops where the reference is vectorised


def derived_limit(reference_seconds: float) -> float:
    """A case's time limit when the spec sets none: 20x the reference's time, at least 1 s,
    rounded up to a tenth of a second."""
    return max(TIME_FLOOR, math.ceil(reference_seconds * TIME_MULTIPLIER * 10) / 10)


class _Draft(NamedTuple):
    """A case as the spec or a generator gives it, before its expected value is computed."""

    name: str
    visibility: Visibility
    args: Mapping[str, Any]
    call: Mapping[str, Any]
    result: Part
    published: Any
    weight: float
    time_limit: float | None
    seed: int | None
    line: int | None


def materialise(problem: Problem, reference: ModuleType | None = None) -> tuple[Case, ...]:
    """All cases in order (examples, hidden, generated), each with its expected value."""
    reference = reference or load_reference(problem)
    target: Any = getattr(reference, problem.entry_point)
    for checker, line, where in problem.checkers:
        if not callable(getattr(reference, f"check_{checker}", None)):
            message = f"'check_{checker}' is not a function in {problem.reference.name}"
            raise SpecError(problem.path, line, where, message)
    cases: list[Case] = []
    for draft in _drafts(problem, reference):
        case = _case(problem, target, len(cases), draft)
        published = draft.published
        published = None if published is None else published_node(draft.result, published)
        limit = draft.time_limit or problem.limits.time_per_case or case.time_limit
        cases.append(replace(case, published=published, weight=draft.weight, time_limit=limit))
    return tuple(cases)


def _drafts(problem: Problem, reference: ModuleType) -> Iterator[_Draft]:
    """The spec's cases, then every generator's (a generated case the spec's declarations
    refuse is a SpecError)."""
    for spec in (*problem.examples, *problem.hidden):
        yield _Draft(
            spec.name,
            Visibility(spec.visibility),
            spec.args,
            spec.call,
            spec.result,
            spec.expected,
            spec.weight,
            spec.time_limit,
            spec.seed,
            spec.line,
        )
    for gen in problem.generated:
        for k, args in enumerate(generate(gen, problem, reference)):
            found = case_input(problem, args, gen.check)
            if isinstance(found, Error):
                message = f"case #{k + 1} of the generator: {found}"
                raise SpecError(problem.reference, None, gen.generator, message)
            call, result = found
            seed = gen.seed + k if problem.seeded else None
            yield _Draft(
                generated_name(gen, k),
                Visibility.HIDDEN,
                args,
                call,
                result,
                None,
                gen.weight,
                gen.time_limit,
                seed,
                gen.line,
            )


def _case(problem: Problem, target: Any, index: int, draft: _Draft) -> Case:
    """A case with its expected value, solved by the reference ``target``; weight 1 and the time
    limit derived from the reference's time (the caller sets what the spec says)."""
    name, args, call, result = draft.name, draft.args, draft.call, draft.result
    if draft.seed is not None:
        call = {**call, "seed": draft.seed}
    if problem.is_class:  # the worker reads each script's checked values by their layout
        call = {**call, "result": result.layout()}
    full = None
    if not problem.is_class:
        full = {"kwargs": filled(problem.arguments, args)}
        if "seed" in call:
            full["seed"] = call["seed"]
    started = time.perf_counter()
    expected = _solve(target, call, result, name, (problem.path, draft.line))
    took = time.perf_counter() - started
    return Case(
        index=index,
        name=name,
        visibility=draft.visibility,
        args=args,
        call=call,
        call_json=encode_args(call),
        expected=expected,
        published=None,
        weight=1.0,
        time_limit=derived_limit(took),
        result=result,
        filled=full,
    )


def generated_name(gen: GeneratedSpec, k: int) -> str:
    """The name of ``gen``'s case ``k`` (from 0): its own name when it makes one case."""
    return gen.name if gen.count == 1 else f"{gen.name} #{k + 1}"


def case_names(problem: Problem) -> list[str]:
    """The names of every case, in order, without running anything (``materialise``'s order)."""
    written = [spec.name for spec in (*problem.examples, *problem.hidden)]
    return written + [generated_name(g, k) for g in problem.generated for k in range(g.count)]


def generate(gen: GeneratedSpec, problem: Problem, reference: ModuleType) -> list[dict[str, Any]]:
    """Args of ``gen.count`` cases; case k draws from ``default_rng([seed, k])`` (reproducible)."""
    func = getattr(reference, gen.generator, None)
    if not callable(func):
        raise SpecError(
            problem.path,
            gen.line,
            "generator",
            f"'{gen.generator}' is not a function in {problem.reference.name}",
        )
    out = []
    for k in range(gen.count):
        rng = np.random.default_rng([gen.seed, k])
        try:
            args = func(rng, **gen.params)
        except Exception as exc:
            raise SpecError(
                problem.reference,
                _line_in(exc, problem.reference),
                gen.generator,
                f"generator failed: {type(exc).__name__}: {exc}",
            ) from None
        if not isinstance(args, dict):
            what = "{'calls': [...]}" if problem.is_class else "a dict of arguments"
            raise SpecError(
                problem.reference,
                None,
                gen.generator,
                f"a generator must return {what}, got {args!r:.80}",
            )
        out.append({name: plain(value) for name, value in args.items()})
    return out


def run(target: Any, call: Mapping[str, Any], result: Part) -> Any:
    """Call ``target`` (the reference, or one of its mistakes) exactly as the worker calls a
    submission, on fresh copies; returns its result as a node. The grader's own random state is
    left as it was. Raises what the call raises, or InvalidOutput."""
    parts = result.parts if result.kind == "tuple" else ()

    def keep(value: Any, position: int) -> Any:
        inner = parts[position].layout() if position < len(parts) else "*"
        return codec.normalise(value, inner, copy=True)

    state = (random.getstate(), np.random.get_state()) if "seed" in call else None
    try:
        return codec.normalise(invoke(target, call, keep, fresh=False), result.layout())
    finally:
        if state is not None:
            random.setstate(state[0])
            np.random.set_state(state[1])


def _solve(
    target: Any,
    call: Mapping[str, Any],
    result: Part,
    name: str,
    where: tuple[Path, int | None],
) -> Any:
    try:
        node = run(target, call, result)
    except Exception as exc:
        raise SpecError(
            where[0],
            where[1],
            name,
            f"the reference fails on this case: {type(exc).__name__}: {exc}",
        ) from None
    try:
        expected = expected_node(result, node)
    except ValueError as exc:
        raise SpecError(
            where[0], where[1], name, f"the reference's result does not fit the spec: {exc}"
        ) from None
    return freeze(expected)


def freeze(node: Any) -> Any:
    """``node`` with every array read-only (expected values are shared by every submission)."""
    if isinstance(node, np.ndarray):
        node.setflags(write=False)
    elif isinstance(node, dict):
        for value in node.values():
            freeze(value)
    elif isinstance(node, (tuple, list)):
        for value in node:
            freeze(value)
    return node


def _line_in(exc: BaseException, path: Path) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    if isinstance(exc, SyntaxError) and exc.lineno:
        return exc.lineno
    return frames[-1].lineno if frames else None
