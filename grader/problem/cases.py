"""Cases: the examples, hidden and generated cases of a problem, with expected values.

Every expected value is computed here, in the grader's own process, by the problem's reference
solution (unrounded); the published ``expected`` of a spec case is kept beside it for display and
for ``grader check``. Nothing in this module ever reaches the submission's process except the
``args`` of a case.
"""

from __future__ import annotations

import importlib.util
import math
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader.errors import SpecError
from grader.model import Case, Tolerance, Visibility, encode_args
from grader.problem.spec import GeneratedSpec, Problem
from grader.run.child.worker import build_args


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
    return module


TIME_FLOOR = 1.0  # seconds: no derived limit is shorter
TIME_MULTIPLIER = 20  # learners write loops where the reference is vectorised


def derived_limit(reference_seconds: float) -> float:
    """A case's time limit when the spec sets none: 20x the reference's time, at least 1 s,
    rounded up to a tenth of a second."""
    return max(TIME_FLOOR, math.ceil(reference_seconds * TIME_MULTIPLIER * 10) / 10)


def materialise(problem: Problem, reference: ModuleType | None = None) -> tuple[Case, ...]:
    """All cases in order (examples, hidden, generated), each with its expected value."""
    reference = reference or load_reference(problem)
    solve: Callable[..., Any] = getattr(reference, problem.entry_point)
    cases: list[Case] = []

    def add(
        name: str,
        visibility: Visibility,
        args: Mapping[str, Any],
        published: Any,
        weight: float,
        tolerance: Tolerance,
        time_limit: float | None,
        where: tuple[Path, int | None],
    ) -> None:
        started = time.perf_counter()
        expected = _solve(solve, problem, args, name, where)
        took = time.perf_counter() - started
        cases.append(
            Case(
                index=len(cases),
                name=name,
                visibility=visibility,
                args=args,
                args_json=encode_args(args),
                expected=expected,
                published=None if published is None else np.asarray(published, dtype=np.float64),
                weight=weight,
                tolerance=tolerance,
                time_limit=time_limit or problem.limits.time_per_case or derived_limit(took),
            )
        )

    for spec in (*problem.examples, *problem.hidden):
        add(
            spec.name,
            Visibility(spec.visibility),
            spec.args,
            spec.expected,
            spec.weight,
            spec.tolerance,
            spec.time_limit,
            (problem.path, spec.line),
        )
    for gen in problem.generated:
        for k, args in enumerate(generate(gen, problem, reference)):
            add(
                generated_name(gen, k),
                Visibility.HIDDEN,
                args,
                None,
                gen.weight,
                gen.tolerance,
                gen.time_limit,
                (problem.path, gen.line),
            )
    return tuple(cases)


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
        if not isinstance(args, dict) or set(args) != set(problem.arguments):
            raise SpecError(
                problem.reference,
                None,
                gen.generator,
                f"a generator must return a dict with keys "
                f"{sorted(problem.arguments)}, got {args!r:.80}",
            )
        out.append({name: _plain(value) for name, value in args.items()})
    return out


def _solve(
    solve: Callable[..., Any],
    problem: Problem,
    args: Mapping[str, Any],
    name: str,
    where: tuple[Path, int | None],
) -> np.ndarray:
    try:
        value = solve(*build_args(args, problem.arguments))
        expected = np.array(value, dtype=np.float64)
    except Exception as exc:
        raise SpecError(
            where[0],
            where[1],
            name,
            f"the reference fails on this case: {type(exc).__name__}: {exc}",
        ) from None
    expected.setflags(write=False)
    return expected


def _plain(value: Any) -> Any:
    """ndarrays and numpy scalars from a generator -> plain lists and numbers (JSON-ready)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _line_in(exc: BaseException, path: Path) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    if isinstance(exc, SyntaxError) and exc.lineno:
        return exc.lineno
    return frames[-1].lineno if frames else None
