"""Machine and paste-able formats of a Result: Markdown, Gradescope results.json, JUnit XML.

Each renders the same Result. Hidden cases carry what they carry everywhere: name, verdict,
time, and a message and hint that reveal no data. Gradescope shows hidden cases to students
only ``after_published`` unless ``grade --hidden-visibility`` says otherwise.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from grader.model import SCHEMA, Result, Verdict, Visibility
from grader.report import view
from grader.report.output import template


def markdown(result: Result) -> str:
    """Markdown for pasting into an issue, a forum or an LMS (Jinja2 template ``report.md.j2``)."""
    page = template("report.md.j2", {"text": md_text, "code": md_code})
    examples = []
    for case in result.examples:
        rows: dict[str, Any] = {"case": case, "args": [], "blocks": []}
        if case.detail is not None and case.verdict not in (Verdict.PASSED, Verdict.NOT_RUN):
            rows["args"] = view.arguments(case.detail.args)
            rows["blocks"] = [
                {
                    "label": block.label,
                    "expected": _lines(block.expected),
                    "got": None if block.got is None else _lines(block.got),
                }
                for block in view.blocks(case.detail)
                if not (block.label and block.passed)
            ]
        examples.append(rows)
    hidden = result.hidden
    return str(
        page.render(
            r=result,
            examples=examples,
            hidden=hidden,
            hidden_passed=sum(c.verdict is Verdict.PASSED for c in hidden),
            hints=list(dict.fromkeys(c.hint for c in result.cases if c.hint)),
            duration=view.duration,
        )
    )


# Every ASCII punctuation character may be backslash-escaped in CommonMark, and an escaped one is
# always literal: no HTML, no image, no link, no emphasis, no table cell break.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GFM also makes links of bare addresses: a zero-width space keeps them plain text.
_BARE_LINK = re.compile(r"(?i)(?<=[a-z])(?=\\:\\/)|(?<=www)(?=\\\.)|(?=\\@)")


def md_text(text: object) -> str:
    """Any text as Markdown that shows exactly that text on one line, never markup: learners
    choose exception messages, printed output and file names. (Hints are the instructor's own
    Markdown, from the reference, and stay as they are.)"""
    escaped = _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))
    return _BARE_LINK.sub("\u200b", escaped)


def md_code(text: object) -> str:
    """Any text as a Markdown code span (no markup inside one); a backtick in it becomes '."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


def _lines(grid: view.Grid) -> list[str]:
    """Rows for a fenced code block: no backtick can close the fence (values may be text)."""
    width = max((len(c.text) for row in grid for c in row), default=1)
    return [
        "["
        + " ".join(c.text.replace("`", "'").rjust(width) + ("*" if c.bad else " ") for c in row)
        + "]"
        for row in grid
    ]


def gradescope(result: Result, hidden_visibility: str = "after_published") -> str:
    """A Gradescope autograder ``results.json`` document."""
    tests = []
    for case in result.cases:
        passed = case.verdict is Verdict.PASSED
        output = case.verdict.label + (f": {case.message}" if case.message else "")
        if case.hint:
            output += f"\nHint: {case.hint}"
        tests.append(
            {
                "name": case.name,
                "score": case.weight if passed else 0.0,
                "max_score": case.weight,
                "status": "passed" if passed else "failed",
                "visibility": "visible"
                if case.visibility is Visibility.EXAMPLE
                else hidden_visibility,
                "output": output,
                "output_format": "text",
            }
        )
    doc: dict[str, Any] = {
        "score": result.points,
        "max_score": result.max_points,
        "output": _summary(result),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "schema": SCHEMA,
            "sha256": result.sha256,
            "sandbox": result.sandbox,
            "grader": result.version,
        },
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _summary(result: Result) -> str:
    if result.error is not None:
        where = f" (line {result.error.line})" if result.error.line else ""
        return f"{result.error.kind.label}{where}: {result.error.message}"
    return f"{result.score:g}% ({result.points:g} of {result.max_points:g} points)"


def junit(result: Result) -> str:
    """JUnit XML: one test suite, one test case per case; not_run cases are skipped."""
    suite = ET.Element(
        "testsuite",
        {
            "name": result.problem,
            "tests": str(len(result.cases)),
            "failures": str(sum(c.verdict.failure for c in result.cases)),
            "errors": str(sum(c.verdict.ran and not c.verdict.failure for c in result.cases)),
            "skipped": str(sum(c.verdict is Verdict.NOT_RUN for c in result.cases)),
            "time": f"{sum(c.time_s for c in result.cases):.6f}",
        },
    )
    if result.error is not None:
        ET.SubElement(suite, "system-err").text = _summary(result)
    for case in result.cases:
        element = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"{result.problem}.{case.visibility.value}",
                "name": case.name,
                "time": f"{case.time_s:.6f}",
            },
        )
        text = case.message + (f"\nHint: {case.hint}" if case.hint else "")
        if case.verdict is Verdict.NOT_RUN:
            ET.SubElement(element, "skipped", {"message": case.message or "not run"})
        elif case.verdict.failure:
            ET.SubElement(
                element, "failure", {"type": case.verdict.value, "message": case.message}
            ).text = text
        elif case.verdict is not Verdict.PASSED:
            ET.SubElement(
                element, "error", {"type": case.verdict.value, "message": case.message}
            ).text = text
    root = ET.Element("testsuites", {"name": "grader"})
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
