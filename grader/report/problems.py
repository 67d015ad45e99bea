"""Problems for people: ``grader list`` (one line each) and ``grader show`` (statement, examples,
limits)."""

from __future__ import annotations

from pathlib import Path

from grader.errors import SpecError
from grader.problem.spec import Problem, load_problem
from grader.report import view


def listing(problems: Path) -> str:
    rows = []
    for path in sorted(problems.glob("*.yaml")):
        try:
            p = load_problem(path)
        except SpecError as exc:
            rows.append(f"{path.stem:<28} invalid spec: {exc}")
            continue
        count = f"{len(p.examples)} examples, {len(p.hidden) + sum(g.count for g in p.generated)}"
        rows.append(f"{p.id:<28} {p.title:<42} {count} hidden")
    return "\n".join(rows or ["no problems in " + str(problems)]) + "\n"


def show(problem: Problem) -> str:
    from grader.problem.cases import materialise

    cases = materialise(problem)
    limit = problem.limits.time_per_case
    out = [
        f"{problem.title}  ({problem.id})",
        "",
        f"    def {problem.signature or problem.entry_point + '(...)'}",
        "",
        problem.statement.rstrip(),
        "",
        "Arguments: " + ", ".join(f"{n} ({t})" for n, t in problem.arguments.items()),
        f"Checked: |got - expected| <= {problem.tolerance.atol:g}"
        + (f" + {problem.tolerance.rtol:g} * |expected|" if problem.tolerance.rtol else "")
        + ", shape must match exactly",
        f"Limits: {f'{limit:g} s per case' if limit else 'per case: derived'}, "
        f"{problem.limits.time_total:g} s in total, {problem.limits.memory >> 20} MiB",
        f"Cases: {len(problem.examples)} examples, {len(cases) - len(problem.examples)} hidden",
    ]
    decimals = view.decimals_for(problem.tolerance.atol)
    for case in cases[: len(problem.examples)]:
        out += ["", f"Example: {case.name}"]
        out += [f"    {name} = {text}" for name, text in view.arguments(case.args)]
        grid = view.grid(case.expected, decimals)
        out += ["    expected:"] + [
            "      [" + "  ".join(c.text for c in row) + "]" for row in grid
        ]
    return "\n".join(out) + "\n"
