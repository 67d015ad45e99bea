"""What a whole result says, beyond its cases: failures grouped by cause, and overfitting.

Both human formats (terminal and HTML) show a cause once, with the number of hidden cases it
explains, instead of once per case; and a result that passes every example but most hidden cases
fail is told that it matches the examples only, which says nothing about any hidden case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grader.model import CaseResult, Verdict, Visibility

EXAMPLES_ONLY = (
    "your code passes every published example but fails most hidden cases: it matches the "
    "examples only. Make it compute the answer for any input (hard-coded values, or a shortcut "
    "that only holds for the examples, fail elsewhere)"
)


@dataclass(frozen=True)
class Group:
    """Failing hidden cases with the same verdict, message and hint."""

    verdict: Verdict
    message: str
    hint: str | None
    names: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.names)


def groups(cases: Sequence[CaseResult]) -> list[Group]:
    """The failing hidden cases grouped by cause, largest group first (then in case order)."""
    found: dict[tuple[Verdict, str, str | None], list[str]] = {}
    for case in cases:
        if case.visibility is Visibility.HIDDEN and case.verdict is not Verdict.PASSED:
            found.setdefault((case.verdict, case.message, case.hint), []).append(case.name)
    ordered = sorted(found.items(), key=lambda item: -len(item[1]))  # stable: ties keep order
    return [Group(v, m, h, tuple(names)) for (v, m, h), names in ordered]


WRONG_VALUES = frozenset({Verdict.WRONG_ANSWER, Verdict.WRONG_SHAPE, Verdict.INVALID_OUTPUT})


def examples_only(cases: Sequence[CaseResult]) -> bool:
    """Every example passes, and more than half of the hidden cases (by weight) return wrong
    values (errors and time limits have messages of their own)."""
    examples = [c for c in cases if c.visibility is Visibility.EXAMPLE]
    hidden = [c for c in cases if c.visibility is Visibility.HIDDEN]
    if not examples or not hidden or any(c.verdict is not Verdict.PASSED for c in examples):
        return False
    wrong = sum(c.weight for c in hidden if c.verdict in WRONG_VALUES)
    return wrong > 0.5 * sum(c.weight for c in hidden)
