"""The class report: exact statistics from hand-made result documents, and a self-contained page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from grader.model import Entry
from grader.report import classreport

CASES = [  # (name, visibility): two examples, two hidden cases
    ("three logits", "example"),
    ("two logits", "example"),
    ("n = 1", "hidden"),
    ("overflow", "hidden"),
]


def entry(
    learner: str,
    failed: dict[str, str | None],
    time_s: float = 0.001,
    normalised: str | None = None,
    error: str | None = None,
) -> Entry:
    """An Entry whose cases all pass but those in ``failed`` (case name -> diagnosis)."""
    cases: list[dict[str, Any]] = []
    for name, visibility in CASES:
        verdict = "not_run" if error else "wrong_answer" if name in failed else "passed"
        cases.append(
            {
                "name": name,
                "visibility": visibility,
                "verdict": verdict,
                "weight": 1.0,
                "time_s": 0.0 if error else time_s,
                "message": "values outside the tolerance" if verdict == "wrong_answer" else "",
                "hint": None,
            }
        )
    passed = sum(c["verdict"] == "passed" for c in cases)
    document = {
        "schema": "grader.result/1",
        "problem": "softmax_jacobian",
        "submission": {"path": f"{learner}/solution.py", "sha256": "0" * 64},
        "status": "accepted" if passed == len(cases) else "rejected",
        "error": None if error is None else {"kind": error, "message": "boom", "line": 1},
        "score": round(100 * passed / len(cases), 2),
        "points": float(passed),
        "max_points": float(len(cases)),
        "cases": cases,
        "sandbox": "process",
        "grader": {"version": "0.1.0"},
    }
    return Entry(
        learner=learner,
        path=f"{learner}/solution.py",
        sha256=learner * 4,
        normalised=normalised or f"{learner:0<64}",
        problem_digest="d" * 64,
        document=document,
        diagnoses=tuple(None if error else failed.get(name) for name, _ in CASES),
    )


SAME = "abcdef0123456789" * 4  # dee and eve hand in the same code
CLASS = [
    entry("ada", {}, 0.001),
    entry("bob", {"overflow": "overflow"}, 0.002),
    entry("cy", {"n = 1": "sign", "overflow": "overflow"}, 0.003),
    entry(
        "dee",
        {"three logits": "known mistake: missing else", "overflow": "overflow"},
        0.0025,
        SAME,
    ),
    entry(
        "eve",
        {"three logits": "known mistake: missing else", "overflow": "overflow"},
        0.0025,
        SAME,
    ),
    entry("fay", {}, error="import_error"),
    entry("gus", {name: "sign" for name, _ in CASES}, 0.1),
]
UNREADABLE = [("hal", "no .py or .ipynb file in the folder")]


@pytest.fixture(scope="module")
def stats() -> classreport.ClassStats:
    return classreport.analyse("softmax_jacobian", "Jacobian of softmax", CLASS, UNREADABLE)


def test_summary_and_score_histogram(stats: classreport.ClassStats) -> None:
    # scores: ada 100, bob 75, cy dee eve 50, fay gus 0
    assert (stats.learners, stats.accepted, stats.not_graded) == (7, 1, 1)
    assert (stats.mean, stats.median) == ("46.43%", "50%")
    bars = stats.scores.bars
    assert [b.count for b in bars] == [2, 0, 0, 0, 0, 3, 0, 1, 0, 0, 1]
    assert [b.label for b in bars][::5] == ["0–9", "50–59", "100"]
    assert [b.height for b in bars][:6] == [80, 0, 0, 0, 0, 120]  # 3 is the tallest bar
    assert bars[5].y + bars[5].height == stats.scores.baseline


def test_pass_rates_lowest_first_and_the_mis_set_hidden_case_is_flagged(
    stats: classreport.ClassStats,
) -> None:
    rows = [(c.name, c.visibility, c.passed, c.ran, c.rate, c.flagged) for c in stats.cases]
    assert rows == [  # fay's cases did not run
        ("overflow", "hidden", 1, 6, "17%", True),
        ("three logits", "example", 3, 6, "50%", False),
        ("n = 1", "hidden", 4, 6, "67%", False),
        ("two logits", "example", 5, 6, "83%", False),
    ]
    assert stats.flagged == 1
    assert stats.cases[0].good == "1 of 5 learners scoring ≥ 50% passed"
    assert stats.cases[2].good == "4 of 5 learners scoring ≥ 50% passed"
    assert stats.cases[1].good == ""  # examples are shown to learners: no tolerance hint


def test_mistakes_errors_identical_and_unreadable(stats: classreport.ClassStats) -> None:
    assert [(t.label, t.count, t.learners) for t in stats.mistakes] == [
        ("overflow", 4, "bob, cy, dee, eve"),  # dee fails it once, counted once
        ("known mistake: missing else", 2, "dee, eve"),
        ("sign", 2, "cy, gus"),  # gus shows it on every case: still one learner
    ]
    assert [(t.label, t.count, t.learners) for t in stats.errors] == [("import error", 1, "fay")]
    assert [(g.size, g.learners, g.score, g.digest) for g in stats.identical] == [
        (2, "dee, eve", "50%", SAME[:12])
    ]
    assert stats.unreadable == (("hal", "no .py or .ipynb file in the folder"),)


def test_timing_leaves_out_submissions_that_did_not_run(stats: classreport.ClassStats) -> None:
    # totals: ada 4 ms, bob 8 ms, dee eve 10 ms, cy 12 ms, gus 400 ms; fay ran nothing
    assert stats.timed == 6
    assert (stats.time_median, stats.time_p90, stats.time_max) == (
        "10.0 ms",
        "400.0 ms",
        "400.0 ms",
    )
    assert list(stats.slowest) == [
        ("gus", "400.0 ms"),
        ("cy", "12.0 ms"),
        ("dee", "10.0 ms"),
        ("eve", "10.0 ms"),
        ("bob", "8.0 ms"),
    ]
    bars = stats.times.bars
    assert [b.count for b in bars] == [5, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert (bars[0].label, bars[-1].label) == ("≤ 40.0 ms", "≤ 400.0 ms")


def test_many_learners_are_named_up_to_five() -> None:
    names = ["u1", "u2", "u3", "u4", "u5", "u6", "u7"]
    stats = classreport.analyse("p", "P", [entry(n, {"overflow": "overflow"}) for n in names])
    assert [(t.count, t.learners) for t in stats.mistakes] == [(7, "u1, u2, u3, u4, u5 and 2 more")]
    assert stats.cases[0].flagged  # every one scores 75% and fails the hidden case


def test_an_empty_class() -> None:
    stats = classreport.analyse("p", "P", [])
    assert (stats.learners, stats.accepted, stats.mean, stats.median) == (0, 0, "–", "–")
    assert (stats.cases, stats.mistakes, stats.errors, stats.identical) == ((), (), (), ())
    assert (stats.timed, stats.time_median, stats.slowest) == (0, "–", ())
    assert {b.count for b in stats.scores.bars} == {0}
    page = classreport.render(stats)
    assert "No submission was graded." in page
    assert_self_contained(page)


class Strict(HTMLParser):
    """Fails on any tag closed out of order or left open (html.parser itself never raises)."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


def assert_self_contained(page: str) -> None:
    parser = Strict()
    parser.feed(page)
    parser.close()
    assert parser.open == []
    lowered = page.lower()
    for banned in ("<script", "http://", "https://", "src=", "<link", "@import", "url("):
        assert banned not in lowered, banned


def test_the_page_shows_everything_and_stands_alone(
    stats: classreport.ClassStats, tmp_path: Path
) -> None:
    path = tmp_path / "class.html"
    classreport.write(stats, path)
    page = path.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "Jacobian of softmax" in page and "softmax_jacobian" in page
    flagged = re.search(r'<tr class="flag"><td>([^<]*)</td>', page)
    assert flagged is not None and flagged.group(1) == "overflow"
    assert page.count('<tr class="flag">') == 1
    assert "⚠ check its tolerance or whether it is a commonly missed edge case" in page
    for text in (
        "46.43%",
        "1 of 6",
        "17%",
        "known mistake: missing else",
        "bob, cy, dee, eve",
        "✗ import error",
        "dee, eve",
        "hal",
        "no .py or .ipynb file in the folder",
        '<span class="mono">gus</span> (400.0 ms)',
        "90th percentile",
    ):
        assert text in page, text
    assert page.count("<rect") == 11 + 10  # score bars, then time bars
    assert "values outside the tolerance" not in page  # per-case messages stay in each report
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_hidden_case_half_the_good_learners_pass_is_not_flagged() -> None:
    stats = classreport.analyse("p", "P", [entry("a", {}), entry("b", {"overflow": "overflow"})])
    first = stats.cases[0]
    assert (first.name, first.rate, first.flagged) == ("overflow", "50%", False)
