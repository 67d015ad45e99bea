"""Writers of a Result: ``text`` (terminal), ``html`` (a self-contained file), JSON, and the
``formats`` (Markdown, Gradescope, JUnit); ``render`` picks one by name. Also the class report,
the class CSV, the progress bar and ``grader check``'s summary. A new output format goes here."""

from __future__ import annotations

import json

from grader.model import Result


def render(
    result: Result,
    format: str = "text",
    color: bool = False,
    report_path: str | None = None,
    hidden_visibility: str = "after_published",
) -> str:
    """``result`` in ``format`` (text json md gradescope junit) as printed on stdout; the text
    says where the HTML report is (``report_path``); Gradescope's hidden cases show as
    ``hidden_visibility`` says."""
    if format == "json":
        return to_json(result)
    if format == "text":
        from grader.report import text

        return text.render(result, color=color, report_path=report_path)
    from grader.report import formats

    if format == "md":
        return formats.markdown(result)
    if format == "gradescope":
        return formats.gradescope(result, hidden_visibility)
    if format == "junit":
        return formats.junit(result)
    raise ValueError(f"unknown format {format!r}")


def to_json(result: Result) -> str:
    """Exactly one ``grader.result/1`` JSON document."""
    return json.dumps(result.document(), indent=2, ensure_ascii=False) + "\n"
