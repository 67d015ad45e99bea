"""The terminal report: concise, readable without colour, coloured on a TTY.

Examples are listed one by one (a failure shows expected and got side by side, entries outside the
tolerance starred); hidden cases are a count plus the failing ones by name and verdict, no data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from grader.model import CaseResult, CheckReport, Result, Status, Summary, Verdict
from grader.report import view

MAX_HIDDEN_LISTED = 10
_CODES = {"green": "32", "red": "31", "yellow": "33", "dim": "2", "bold": "1"}


def render(result: Result, *, color: bool = False, report_path: str | None = None) -> str:
    paint: Callable[[str, str], str] = (
        (lambda text, style: f"\033[{_CODES[style]}m{text}\033[0m")
        if color
        else (lambda text, style: text)
    )
    out: list[str] = [
        paint(f"{result.problem} · {result.title}", "bold"),
        paint(f"{result.path} (sha256 {result.sha256[:12]}) · isolation: {result.sandbox}", "dim"),
        "",
    ]
    for note in result.notes:
        out.append(paint(f"note: {note}", "yellow"))
    if result.notes:
        out.append("")
    if result.error is not None:
        err = result.error
        where = f" at line {err.line}" if err.line else ""
        out += [
            paint(f"✗ {err.kind.value.replace('_', ' ')}{where}", "red"),
            f"  {err.message}",
            "",
        ]
    if result.examples and result.error is None:
        out.append("Examples")
        for case in result.examples:
            out += _example(case, paint)
        out.append("")
    hidden = result.hidden
    if hidden and result.error is None:
        passed = sum(c.verdict is Verdict.PASSED for c in hidden)
        style = "green" if passed == len(hidden) else "red"
        out.append(f"Hidden cases: {paint(f'{passed} of {len(hidden)} passed', style)}")
        failing = view.failing(hidden)
        for case in failing[:MAX_HIDDEN_LISTED]:
            out.append(
                f"  {paint('✗', 'red')} {case.name}: {case.verdict.label}"
                + (f" ({case.message})" if case.message else "")
            )
        if len(failing) > MAX_HIDDEN_LISTED:
            out.append(f"  … and {len(failing) - MAX_HIDDEN_LISTED} more")
        for hint in dict.fromkeys(c.hint for c in failing if c.hint):  # each distinct hint once
            out.append(paint(f"  hint: {hint}", "yellow"))
        out.append("")
    accepted = result.status is Status.ACCEPTED
    verdict = paint("accepted", "green") if accepted else paint("not accepted", "red")
    out.append(
        f"Score: {result.score:g}% ({result.points:g} of {result.max_points:g} points), {verdict}"
    )
    if report_path:
        out.append(paint(f"Report: {report_path}", "dim"))
    return "\n".join(out) + "\n"


def _example(case: CaseResult, paint: Callable[[str, str], str]) -> list[str]:
    if case.verdict is Verdict.PASSED:
        return [f"  {paint('✓', 'green')} {case.name}  {paint(view.duration(case.time_s), 'dim')}"]
    lines = [f"  {paint('✗', 'red')} {case.name}: {paint(case.verdict.label, 'red')}"]
    if case.message:
        lines.append(f"      {case.message}")
    if case.hint:
        lines.append(paint(f"      hint: {case.hint}", "yellow"))
    detail = case.detail
    if detail is None or case.verdict is Verdict.NOT_RUN:
        return lines
    decimals = view.decimals_for(detail.tolerance.atol)
    for name, text in view.arguments(detail.args):
        lines.append(f"      {name} = {text}")
    expected = _rows(view.grid(detail.expected, decimals))
    if detail.got is None:
        return lines + ["      expected"] + [f"        {row}" for row in expected]
    mask = detail.mismatch.mask if detail.mismatch else None
    got = _rows(view.grid(detail.got, decimals, mask), paint)
    width = max(len("expected"), *(len(r) for r in expected))
    lines.append(f"      {'expected'.ljust(width)}   got")
    for i in range(max(len(expected), len(got))):
        left = expected[i] if i < len(expected) else ""
        right = got[i] if i < len(got) else ""
        lines.append(f"      {left.ljust(width)}   {right}".rstrip())
    if mask is not None:
        lines.append(paint("      * outside the tolerance", "dim"))
    return lines


def _rows(grid: view.Grid, paint: Callable[[str, str], str] | None = None) -> list[str]:
    width = max((len(c.text) for row in grid for c in row), default=1)
    rows = []
    for row in grid:
        cells = []
        for cell in row:
            text = cell.text.rjust(width) + ("*" if cell.bad else " ")
            cells.append(paint(text, "red") if paint and cell.bad else text)
        rows.append("[" + " ".join(cells) + "]")
    return rows


def batch_summary(summary: Summary, csv_path: Path, report: Path | None) -> str:
    """What the batch says when it is done."""
    accepted = sum(1 for e in summary.entries if e.document["status"] == "accepted")
    lines = [
        f"{summary.learners} learners: {summary.graded} graded now"
        + (
            f" in {summary.seconds:.1f} s ({summary.rate:.0f}/s, {summary.jobs} jobs, "
            f"{summary.sandbox})"
            if summary.graded
            else ""
        )
        + f", {summary.unchanged} unchanged since they were graded",
        f"accepted: {accepted} of {len(summary.entries)}",
    ]
    if summary.not_graded:
        lines.append(f"not graded: {len(summary.not_graded)}")
        lines += [f"  {learner}: {why}" for learner, why in summary.not_graded]
    lines.append(f"CSV: {csv_path}")
    if report is not None:
        lines.append(f"Class report: {report}")
    return "\n".join(lines) + "\n"


def check_summary(reports: Sequence[CheckReport]) -> str:
    """What ``grader check`` prints: each problem, its checks, submissions and warnings."""
    out = []
    for r in reports:
        out.append(f"{'✓' if r.ok else '✗'} {r.problem}  ({r.path})")
        for name, ok, detail in r.checks:
            out.append(f"  {'✓' if ok else '✗'} {name}" + (f": {detail}" if detail else ""))
        if r.limits:
            out.append("  time limits: " + "; ".join(r.limits))
        for f, expected, got, took in r.submissions:
            mark = "✓" if expected == got or expected in got.split(", ") else "✗"
            out.append(f"    {mark} {f:<40} {got:<28} {took:5.2f} s")
        for w in r.warnings:
            out.append(f"  ! {w}")
        out.append("")
    passed = sum(r.ok for r in reports)
    out.append(f"{passed} of {len(reports)} problems pass")
    return "\n".join(out) + "\n"
