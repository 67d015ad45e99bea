"""Problems for people: ``grader list`` (one line each) and ``grader show`` (statement, examples,
limits)."""

from __future__ import annotations

from collections.abc import Sequence

from grader.errors import SpecError
from grader.judge.parts import judge
from grader.problem.catalog import Catalog
from grader.problem.spec import Problem, load_problem
from grader.report import view


def listing(catalog: Catalog) -> str:
    """Every problem in course order, in aligned columns; a local problem says so."""
    rows = [("", "problem", "title", "cases", "")]
    for position, problem_id in enumerate(catalog.order, start=1):
        origin = "local" if catalog.origin(problem_id) == "local" else ""
        try:
            p = load_problem(catalog.path(problem_id))
        except SpecError as exc:
            rows.append((f"{position}.", problem_id, f"invalid spec: {exc}", "", origin))
            continue
        hidden = len(p.hidden) + sum(g.count for g in p.generated)
        count = f"{len(p.examples)} examples, {hidden} hidden"
        rows.append((f"{position}.", p.id, p.title, count, origin))
    if len(rows) == 1:
        return f"no problems in {', '.join(map(str, catalog.folders))}\n"
    return table(rows)


def table(rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset({0})) -> str:
    """Rows as aligned columns two spaces apart; the columns in ``right`` are right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    return "\n".join(lines) + "\n"


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
        ("Constructor arguments: " if problem.is_class else "Arguments: ")
        + ", ".join(f"{n} ({t})" for n, t in problem.arguments.items()),
        *(
            f"Method: {m.name}({', '.join(f'{n}: {t}' for n, t in m.arguments.items())})"
            + (f" -> {m.returns.kind}" if m.returns else "")
            for m in problem.methods.values()
        ),
        f"Checked: |got - expected| <= {problem.tolerance.atol:g}"
        + (f" + {problem.tolerance.rtol:g} * |expected|" if problem.tolerance.rtol else "")
        + ", shape must match exactly"
        + (
            ""
            if problem.tolerance.compare == "close"
            else f" (compared: {problem.tolerance.compare})"
        ),
        f"Limits: {f'{limit:g} s per case' if limit else 'per case: derived'}, "
        f"{problem.limits.time_total:g} s in total, {problem.limits.memory >> 20} MiB",
        f"Cases: {len(problem.examples)} examples, {len(cases) - len(problem.examples)} hidden",
    ]
    if problem.hints:
        out.append(f"Hints: {len(problem.hints)}, one at a time: grader hint {problem.id}")
    for case in cases[: len(problem.examples)]:
        out += ["", f"Example: {case.name}"]
        out += [f"    {name} = {text}" for name, text in view.arguments(case.args)]
        for part in judge(case.result, case.expected, case.expected):
            grid = view.grid(part.expected, view.decimals_for(part.check.atol))
            width = max((len(c.text) for row in grid for c in row), default=1)
            out += [f"    expected{' ' + part.label if part.label else ''}:"] + [
                "      [" + "  ".join(c.text.rjust(width) for c in row) + "]" for row in grid
            ]
    return "\n".join(out) + "\n"
