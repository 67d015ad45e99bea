"""Where a learner stands in the course: ``grader progress``, ``grader next``, ``grader hint``.

Everything comes from the gradebook (``grader submit`` records attempts, ``grader hint`` records
the hints shown) and the catalog's course order. A problem is *not started* (no attempt),
*attempted* (its best score so far) or *accepted* (some attempt passed every case).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader.course import gradebook
from grader.problem.catalog import Catalog, catalog
from grader.problem.spec import Problem, load_problem

NOT_STARTED, ATTEMPTED, ACCEPTED = "not started", "attempted", "accepted"
TITLE = 40  # characters of a title shown in the progress table


@dataclass(frozen=True)
class Standing:
    """One problem of the course for one learner."""

    position: int  # 1-based, in course order
    problem: str
    title: str
    state: str  # NOT_STARTED, ATTEMPTED or ACCEPTED
    best: float | None  # best score (percent), None when not started
    attempts: int
    hints_used: int
    hints_total: int


def standings(db: sqlite3.Connection | None, learner: str, found: Catalog) -> list[Standing]:
    """Every problem of ``found`` in course order, with ``learner``'s record in ``db``."""
    attempts: dict[str, tuple[float, int, bool]] = {}
    used: dict[str, int] = {}
    if db is not None:
        rows = db.execute(
            "SELECT problem, MAX(score), COUNT(*), MAX(status = 'accepted') FROM attempts "
            "WHERE learner = ? GROUP BY problem",
            (learner,),
        )
        attempts = {p: (float(best), int(n), bool(ok)) for p, best, n, ok in rows}
        rows = db.execute(
            "SELECT problem, MAX(level) FROM hints WHERE learner = ? GROUP BY problem", (learner,)
        )
        used = {p: int(level) for p, level in rows}
    from grader import cache
    from grader.problem.yamlmap import load

    read = cache.reader(load)
    out = []
    for position, problem_id in enumerate(found.order, start=1):
        problem = load_problem(found.path(problem_id), read)
        best, count, accepted = attempts.get(problem_id, (None, 0, False))
        state = ACCEPTED if accepted else ATTEMPTED if count else NOT_STARTED
        out.append(
            Standing(
                position,
                problem_id,
                problem.title,
                state,
                best,
                count,
                min(used.get(problem_id, 0), len(problem.hints)),
                len(problem.hints),
            )
        )
    return out


def next_one(standings: list[Standing]) -> Standing | None:
    """The first problem in course order that is not accepted yet."""
    return next((s for s in standings if s.state != ACCEPTED), None)


def render(standings: list[Standing], title: str, learner: str) -> str:
    """An aligned table, one row per problem, then a one-line summary."""
    rows = [("", "problem", "title", "status", "hints")]
    for s in standings:
        state = f"attempted, best {s.best:g}%" if s.state == ATTEMPTED else s.state
        hints = f"{s.hints_used} of {s.hints_total}" if s.hints_total else "-"
        cut = s.title if len(s.title) <= TITLE else s.title[: TITLE - 1] + "…"
        rows.append((f"{s.position}.", s.problem, cut, state, hints))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"{title} · {learner}", ""]
    for row in rows:
        cells = [row[0].rjust(widths[0])] + [
            c.ljust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    done = sum(s.state == ACCEPTED for s in standings)
    lines += ["", f"{done} of {len(standings)} accepted"]
    return "\n".join(lines) + "\n"


def render_next(standing: Standing | None, starter: Path | None, total: int) -> str:
    if standing is None:
        return f"All {total} problems are accepted. Well done.\n"
    out = [f"Next: {standing.problem} · {standing.title} ({standing.position} of {total})"]
    if starter is not None and starter.exists():
        shown = _relative(starter)
        out += [f"  starter: {shown}", f"  run:     grader watch {shown}"]
    else:
        out += [
            "  no starter file yet: create one with",
            f"  grader show {standing.problem} --starter {standing.problem}.py"
            "   (or grader start DIR for every problem)",
        ]
    if standing.hints_total > standing.hints_used:
        out.append(f"  stuck?   grader hint {standing.problem}")
    return "\n".join(out) + "\n"


def _relative(path: Path) -> str:
    """``path`` from the working directory when it is below it, else as it is."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# Hints on request.


def hints_taken(db: sqlite3.Connection, learner: str, problem_id: str) -> int:
    """How many hints of ``problem_id`` ``learner`` has seen."""
    row = db.execute(
        "SELECT MAX(level) FROM hints WHERE learner = ? AND problem = ?", (learner, problem_id)
    ).fetchone()
    return int(row[0] or 0)


def take_hint(db: sqlite3.Connection, learner: str, problem: Problem) -> int:
    """Record that ``learner`` saw the next hint of ``problem``; returns its level (1-based).

    Once every hint was shown, the last level is returned again and nothing more is recorded.
    """
    taken = hints_taken(db, learner, problem.id)
    level = min(taken + 1, len(problem.hints))
    if level > taken:
        with db:
            db.execute(
                "INSERT INTO hints (learner, problem, level, shown_at) VALUES (?, ?, ?, ?)",
                (learner, problem.id, level, datetime.now(UTC).isoformat(timespec="seconds")),
            )
    return level


def render_hint(problem: Problem, level: int, new: bool) -> str:
    """The hint just taken; every hint once all of them were taken."""
    total = len(problem.hints)
    out = []
    for i in range(level if not new else 1):
        number = i + 1 if not new else level
        out.append(f"Hint {number} of {total} · {problem.id}")
        out += [f"  {line}" for line in _wrap(problem.hints[number - 1])]
        out.append("")
    if not new:
        out.append("That was every hint of this problem.")
    elif level < total:
        out.append(f"Run `grader hint {problem.id}` again for the next one.")
    else:
        out.append("That was the last hint.")
    return "\n".join(out) + "\n"


def _wrap(text: str, width: int = 94) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


# --------------------------------------------------------------------------------------------
# The commands: one call each.


def _who(learner: str | None) -> str:
    return learner or gradebook.who()


def _standings(
    problems: Path | None, learner: str | None, gradebook_path: Path | None
) -> tuple[Catalog, list[Standing]]:
    from grader.course import gradebook

    found = catalog(problems)
    path = gradebook_path or gradebook.default_path()
    db = gradebook.connect(path) if path.exists() else None
    try:
        return found, standings(db, _who(learner), found)
    finally:
        if db is not None:
            db.close()


def report(
    problems: Path | None = None, learner: str | None = None, gradebook_path: Path | None = None
) -> str:
    """``grader progress``: every problem in course order with the learner's standing."""
    found, rows = _standings(problems, learner, gradebook_path)
    return render(rows, found.title, _who(learner))


def next_problem(
    problems: Path | None = None, learner: str | None = None, gradebook_path: Path | None = None
) -> str:
    """``grader next``: the first problem not accepted yet, and the learner's file for it."""
    from grader.course import workspace

    _, rows = _standings(problems, learner, gradebook_path)
    standing = next_one(rows)
    starter = workspace.starter_for(standing.problem) if standing else None
    return render_next(standing, starter, len(rows))


def hint(
    problem_id: str,
    problems: Path | None = None,
    learner: str | None = None,
    gradebook_path: Path | None = None,
) -> str:
    """``grader hint ID``: the next hint of the problem, recorded as used."""
    from grader import cache
    from grader.course import gradebook
    from grader.problem.yamlmap import load

    problem = load_problem(catalog(problems).path(problem_id), cache.reader(load))
    if not problem.hints:
        return f"{problem.id} declares no hints; its statement: grader show {problem.id}\n"
    db = gradebook.connect(gradebook_path or gradebook.default_path())
    try:
        before = hints_taken(db, _who(learner), problem.id)
        level = take_hint(db, _who(learner), problem)
    finally:
        db.close()
    return render_hint(problem, level, new=level > before)
