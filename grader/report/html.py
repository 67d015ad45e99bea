"""The HTML report: one self-contained file (inline CSS, no scripts, fonts or images).

``context`` turns a Result into display values; the Jinja2 template only places them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.files import write_atomically
from grader.judge import findings
from grader.model import Result, Status, Verdict
from grader.report import view
from grader.report.output import template


def context(result: Result) -> dict[str, Any]:
    examples = []
    for case in result.examples:
        detail = case.detail
        entry: dict[str, Any] = {
            "case": case,
            "passed": case.verdict is Verdict.PASSED,
            "time": view.duration(case.time_s),
            "args": [],
            "blocks": [],
            "output": "",
        }
        if detail is not None and case.verdict is not Verdict.NOT_RUN:
            entry.update(
                args=view.arguments(detail.args),
                blocks=view.blocks(detail, max_rows=40, max_cols=40, heat=True),
                output=detail.output,
            )
        examples.append(entry)
    overfit = findings.examples_only(result.cases)
    causes = [
        {
            "number": number,
            "count": group.count,
            "verdict": group.verdict.label,
            "message": group.message,
            "hint": None if overfit else group.hint,
        }
        for number, group in enumerate(findings.groups(result.hidden), start=1)
    ]
    cause_of = {
        name: number
        for number, group in enumerate(findings.groups(result.hidden), start=1)
        for name in group.names
        if group.count > 1
    }
    hidden = [
        {
            "case": c,
            "passed": c.verdict is Verdict.PASSED,
            "time": view.duration(c.time_s),
            "cause": cause_of.get(c.name),
        }
        for c in result.hidden
    ]
    return {
        "r": result,
        "accepted": result.status is Status.ACCEPTED,
        "error_kind": result.error.kind.label if result.error else "",
        "examples": examples,
        "hidden": hidden,
        "causes": causes,
        "examples_only": findings.EXAMPLES_ONLY if overfit else "",
        "hidden_passed": sum(h["passed"] for h in hidden),
        "score": f"{result.score:g}%",
        "points": f"{result.points:g} of {result.max_points:g} points",
        "dropped": f"{result.output_dropped:,}" if result.output_dropped else "",
    }


def render(result: Result) -> str:
    return str(template("report.html.j2").render(**context(result)))


def write(result: Result, path: Path) -> None:
    """Write the report atomically (a reader never sees half a file)."""
    write_atomically(path, render(result))
