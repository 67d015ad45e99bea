"""The terminal report: concise, readable without colour, coloured on a TTY.

Examples are listed one by one (a failure shows expected and got side by side, entries outside the
tolerance starred); hidden cases are a count plus the failing ones by name and verdict, no data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from grader.judge import findings
from grader.model import CaseResult, CheckReport, Result, Status, Summary, Verdict
from grader.report import view

MAX_HIDDEN_LISTED = 10  # causes of failing hidden cases listed
MAX_NAMES = 6  # case names listed under one cause
MAX_OUTPUT_LINES = 5  # lines of printed output shown under a case
MAX_OUTPUT_WIDTH = 100
MAX_PARTS_SHOWN = 6  # parts of a structured result shown side by side in an example
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
            paint(f"✗ {err.kind.label}{where}", "red"),
            f"  {err.message}",
            "",
        ]
    if result.output:
        out += ["Printed while the file was imported:", *_printed(result.output, "  "), ""]
    shown: set[str] = set()  # hints already given: each is said once
    if result.examples and result.error is None:
        out.append("Examples")
        for case in result.examples:
            out += _example(case, paint, shown)
        out.append("")
    if result.hidden and result.error is None:
        out += [*_hidden(result, paint, shown), ""]
    if result.output_dropped:
        out += [
            paint(
                f"Printed output past the limit was dropped: {result.output_dropped:,} bytes",
                "dim",
            ),
            "",
        ]
    accepted = result.status is Status.ACCEPTED
    verdict = paint("accepted", "green") if accepted else paint("not accepted", "red")
    if report_path:
        out.append(paint(f"Report: {report_path}", "dim"))
    # the problem stands in the first and the last line: a learner sees what was graded
    out.append(
        f"Score: {result.score:g}% ({result.points:g} of {result.max_points:g} points), "
        f"{verdict} · {result.problem}"
    )
    return "\n".join(out) + "\n"


def _hidden(result: Result, paint: Callable[[str, str], str], shown: set[str]) -> list[str]:
    """The hidden cases: how many passed, then the failing ones grouped (no data of theirs)."""
    hidden = result.hidden
    passed = sum(c.verdict is Verdict.PASSED for c in hidden)
    style = "green" if passed == len(hidden) else "red"
    out = [f"Hidden cases: {paint(f'{passed} of {len(hidden)} passed', style)}"]
    overfit = findings.examples_only(result.cases)
    if overfit:
        advice = findings.EXAMPLES_ONLY[0].upper() + findings.EXAMPLES_ONLY[1:] + "."
        out += [paint(f"  {line}", "yellow") for line in _wrap(advice)]
    groups = findings.groups(hidden)
    for group in groups[:MAX_HIDDEN_LISTED]:
        out += _group(group, paint, None if overfit else group.hint, shown)
    more = groups[MAX_HIDDEN_LISTED:]
    if more:
        out.append(f"  … and {sum(g.count for g in more)} more failing cases")
    return out


def _group(
    group: findings.Group, paint: Callable[[str, str], str], hint: str | None, shown: set[str]
) -> list[str]:
    """One cause of failing hidden cases: the verdict and message once, then the cases."""
    cause = " · ".join(x for x in (group.verdict.label, group.message) if x)
    if group.count == 1:
        lines = [f"  {paint('✗', 'red')} {group.names[0]} · {cause}"]
    else:
        lines = [f"  {paint('✗', 'red')} {group.count} cases · {cause}"]
        names = ", ".join(group.names[:MAX_NAMES])
        rest = group.count - MAX_NAMES
        lines += [
            paint(f"      {line}", "dim")
            for line in _wrap(names + (f", … and {rest} more" if rest > 0 else ""), 88)
        ]
    return lines + _hint(hint, paint, shown)


def _hint(hint: str | None, paint: Callable[[str, str], str], shown: set[str]) -> list[str]:
    """The hint, or a pointer to where it was given already."""
    if not hint:
        return []
    if hint in shown:
        return [paint("      hint: the same as above", "dim")]
    shown.add(hint)
    return [paint(f"      {line}", "yellow") for line in _wrap(f"hint: {hint}", 88)]


def _wrap(text: str, width: int = 92) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _printed(output: str, indent: str = "      ") -> list[str]:
    """What the code printed, as ``| line`` rows, cut to a few lines of bounded length."""
    rows = output.rstrip("\n").split("\n")
    lines = []
    for row in rows[:MAX_OUTPUT_LINES]:
        cut = row if len(row) <= MAX_OUTPUT_WIDTH else row[: MAX_OUTPUT_WIDTH - 1] + "…"
        lines.append(f"{indent}| {cut}".rstrip())
    if len(rows) > MAX_OUTPUT_LINES:
        left = len(rows) - MAX_OUTPUT_LINES
        lines.append(f"{indent}| … {left} more lines: the HTML report has them all")
    return lines


def _example(case: CaseResult, paint: Callable[[str, str], str], shown: set[str]) -> list[str]:
    detail = case.detail
    printed = detail.output if detail is not None else ""
    if case.verdict is Verdict.PASSED:
        lines = [f"  {paint('✓', 'green')} {case.name}  {paint(view.duration(case.time_s), 'dim')}"]
        if printed:
            lines += ["      printed:", *_printed(printed)]
        return lines
    lines = [f"  {paint('✗', 'red')} {case.name} · {paint(case.verdict.label, 'red')}"]
    if case.message:
        lines += [f"      {line}" for line in _wrap(case.message)]
    lines += _hint(case.hint, paint, shown)
    if printed:
        lines += ["      printed:", *_printed(printed)]
    if detail is None or case.verdict is Verdict.NOT_RUN:
        return lines
    for name, text in view.arguments(detail.args):
        lines.append(f"      {name} = {text}")
    marked = False
    blocks = view.blocks(detail)
    passed = [b.label for b in blocks if b.label and b.passed]
    if passed:
        names = ", ".join(passed[:MAX_PARTS_SHOWN]) + (
            f" and {len(passed) - MAX_PARTS_SHOWN} more" if len(passed) > MAX_PARTS_SHOWN else ""
        )
        lines.append(f"      {paint('✓', 'green')} {names}")
    failing = [b for b in blocks if not (b.label and b.passed)]
    for block in failing[:MAX_PARTS_SHOWN]:
        indent = "      "
        if block.label:
            lines.append(f"      {paint('✗', 'red')} {block.label}")
            indent = "        "
        lines += _side_by_side(block, paint, indent)
        marked = marked or block.marked
    if len(failing) > MAX_PARTS_SHOWN:
        lines.append(f"      … and {len(failing) - MAX_PARTS_SHOWN} more failing parts")
    if marked:
        lines.append(paint("      * outside the tolerance", "dim"))
    return lines


def _side_by_side(block: view.Block, paint: Callable[[str, str], str], indent: str) -> list[str]:
    expected = _rows(block.expected)
    if block.got is None:
        return [f"{indent}expected"] + [f"{indent}  {row}" for row in expected]
    got = _rows(block.got, paint)
    width = max(len("expected"), *(len(r) for r in expected))
    lines = [f"{indent}{'expected'.ljust(width)}   got"]
    for i in range(max(len(expected), len(got))):
        left = expected[i] if i < len(expected) else ""
        right = got[i] if i < len(got) else ""
        lines.append(f"{indent}{left.ljust(width)}   {right}".rstrip())
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
