"""The class analytics report: what a batch of graded submissions says about a class and a problem.

``analyse`` turns the batch's entries into display-ready values (``ClassStats``): numbers already
formatted, lists already sorted, SVG bars already placed. The template ``class.html.j2`` only
places them. Result documents carry no hidden inputs or expected values, so neither does this.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.files import write_atomically
from grader.model import Entry, ErrorKind
from grader.report.output import template
from grader.report.view import duration

GOOD = 50.0  # learners scoring at least this are "otherwise mostly correct"
NAMED = 5  # learners named per mistake or error kind; slowest learners listed
PLOT = 120  # height of the tallest bar, in SVG units


@dataclass(frozen=True)
class Bar:
    """One bar of a histogram, placed in SVG units; the count is written above it."""

    label: str
    count: int
    x: int
    y: int
    height: int
    mid: int  # horizontal centre, for the count and the label
    count_y: int
    title: str


@dataclass(frozen=True)
class Chart:
    """Bars of equal ``bar`` width standing on ``baseline``; labels are written at ``label_y``."""

    width: int
    bar: int
    height: int
    baseline: int
    label_y: int
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class CaseRate:
    """How the class did on one case; ``flagged`` marks a hidden case most good learners fail."""

    name: str
    visibility: str
    passed: int
    ran: int
    rate: str  # "33%", or "–" when no learner ran it
    meter: str  # CSS width of the rate bar
    flagged: bool
    good: str  # "1 of 3 learners scoring ≥ 50% passed", or ""


@dataclass(frozen=True)
class Tally:
    label: str
    count: int
    learners: str  # up to NAMED names, then "and N more"


@dataclass(frozen=True)
class Group:
    """Learners whose sources are identical once comments, docstrings and layout are dropped."""

    size: int
    learners: str
    digest: str
    score: str


@dataclass(frozen=True)
class ClassStats:
    problem: str
    title: str
    learners: int
    accepted: int
    mean: str
    median: str
    scores: Chart
    cases: tuple[CaseRate, ...]
    flagged: int
    mistakes: tuple[Tally, ...]
    errors: tuple[Tally, ...]
    timed: int  # learners whose cases ran (a submission error runs none)
    time_median: str
    time_p90: str
    time_max: str
    times: Chart
    slowest: tuple[tuple[str, str], ...]  # (learner, total time), slowest first
    identical: tuple[Group, ...]
    unreadable: tuple[tuple[str, str], ...]  # (learner, why), by learner
    not_graded: int


def analyse(
    problem: str,
    title: str,
    entries: Sequence[Entry],
    unreadable: Sequence[tuple[str, str]] = (),
) -> ClassStats:
    """The class's statistics for one problem; an empty class gives zeros and dashes."""
    scores = [e.score for e in entries]
    bins = [0] * 11  # [0, 10), ... [90, 100), then exactly 100: "all correct" stands apart
    for s in scores:
        bins[10 if s >= 100 else min(int(s // 10), 9)] += 1
    labels = [f"{10 * i}–{10 * i + 9}" for i in range(10)] + ["100"]
    totals = {
        e.learner: sum(float(c.get("time_s") or 0.0) for c in e.document["cases"])
        for e in entries
        if not e.document.get("error")
    }
    ordered = sorted(totals.values())
    top = ordered[-1] if ordered else 0.0
    tbins = [0] * (10 if top > 0 else 1)
    for t in ordered:
        tbins[min(int(t / top * 10), 9) if top > 0 else 0] += 1
    tlabels = [f"≤ {duration(top * (i + 1) / len(tbins))}" for i in range(len(tbins))]
    slowest = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:NAMED]
    kinds: dict[str, list[str]] = defaultdict(list)
    mistakes: dict[str, list[str]] = defaultdict(list)
    same: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        if e.document.get("error"):
            kinds[_kind_label(str(e.document["error"]["kind"]))].append(e.learner)
        for d in sorted({d for d in e.diagnoses if d}):
            mistakes[d].append(e.learner)
        if e.normalised:
            same[e.normalised].append(e)
    cases = _cases(entries)
    return ClassStats(
        problem=problem,
        title=title,
        learners=len(entries),
        accepted=sum(e.document.get("status") == "accepted" for e in entries),
        mean=_pct(statistics.fmean(scores)) if scores else "–",
        median=_pct(statistics.median(scores)) if scores else "–",
        scores=_chart(labels, bins, 44, "learners scoring"),
        cases=cases,
        flagged=sum(c.flagged for c in cases),
        mistakes=_tallies(mistakes),
        errors=_tallies(kinds),
        timed=len(ordered),
        time_median=duration(statistics.median(ordered)) if ordered else "–",
        time_p90=duration(ordered[math.ceil(0.9 * len(ordered)) - 1]) if ordered else "–",
        time_max=duration(top) if ordered else "–",
        times=_chart(tlabels, tbins, 76, "learners taking"),
        slowest=tuple((name, duration(t)) for name, t in slowest),
        identical=_identical(same),
        unreadable=tuple(sorted((str(n), str(r)) for n, r in unreadable)),
        not_graded=len(unreadable),
    )


def _identical(same: dict[str, list[Entry]]) -> tuple[Group, ...]:
    """Groups of two or more learners with the same normalised submission, largest first."""
    groups = sorted(
        (sorted(g, key=lambda e: e.learner) for g in same.values() if len(g) >= 2),
        key=lambda g: (-len(g), g[0].learner),
    )
    return tuple(
        Group(
            len(g),
            ", ".join(e.learner for e in g),
            g[0].normalised[:12],
            " / ".join(dict.fromkeys(_pct(e.score) for e in g)),
        )
        for g in groups
    )


def _cases(entries: Sequence[Entry]) -> tuple[CaseRate, ...]:
    # per case name, in first-seen document order: [passed, ran, good learners, good passed]
    counts: dict[str, list[int]] = {}
    visibility: dict[str, str] = {}
    for e in entries:
        is_good = e.score >= GOOD
        for c in e.document["cases"]:
            n = counts.setdefault(c["name"], [0, 0, 0, 0])
            visibility.setdefault(c["name"], str(c["visibility"]))
            ok = c["verdict"] == "passed"
            n[0] += ok
            n[1] += c["verdict"] != "not_run"
            n[2] += is_good
            n[3] += is_good and ok
    order = sorted(counts, key=lambda k: counts[k][0] / counts[k][1] if counts[k][1] else math.inf)
    rates = []
    for name in order:
        passed, ran, good, good_passed = counts[name]
        hidden = visibility[name] == "hidden"
        rate = _pct(100 * passed / ran, 0) if ran else "–"
        meter = _pct(100 * passed / ran) if ran else "0%"
        flagged = hidden and 2 * good_passed < good  # fewer than half of the good learners pass
        note = f"{good_passed} of {good} learners scoring ≥ {GOOD:g}% passed" if hidden else ""
        args = (name, visibility[name], passed, ran, rate, meter, flagged, note if good else "")
        rates.append(CaseRate(*args))
    return tuple(rates)


def _tallies(learners: dict[str, list[str]]) -> tuple[Tally, ...]:
    out = []
    for label, names in sorted(learners.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        names = sorted(names)
        more = f" and {len(names) - NAMED} more" if len(names) > NAMED else ""
        out.append(Tally(label, len(names), ", ".join(names[:NAMED]) + more))
    return tuple(out)


def _chart(labels: Sequence[str], counts: Sequence[int], width: int, what: str) -> Chart:
    top, gap, head = max(counts, default=0), 6, 18
    bars = []
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        h, x = 0 if not count else max(2, round(count / top * PLOT)), i * (width + gap)
        y, mid, title = head + PLOT - h, x + width // 2, f"{count} {what} {label}"
        bars.append(Bar(label, count, x, y, h, mid, y - 5, title))
    span, base = len(counts) * (width + gap) - gap, head + PLOT
    return Chart(span, width, base + 22, base, base + 15, tuple(bars))


def _pct(value: float, decimals: int = 2) -> str:
    return f"{round(value, decimals):g}%"


def render(stats: ClassStats) -> str:
    """The class report as one self-contained HTML page (no scripts, fonts, images or links)."""
    return str(template("class.html.j2").render(s=stats))


def write(stats: ClassStats, path: Path) -> None:
    """Write the report atomically (a reader never sees half a file)."""
    write_atomically(path, render(stats))


def _kind_label(kind: str) -> str:
    """An error kind from a stored document, in words (a kind this grader does not know, as is)."""
    try:
        return ErrorKind(kind).label
    except ValueError:
        return kind
