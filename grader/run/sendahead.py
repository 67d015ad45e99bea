"""Cases sent ahead to a worker: which were sent, whether ``finish`` was, what answers may follow.

``Sandbox.run`` feeds a worker through one ``SendAhead`` per worker process; this module holds
only that bookkeeping, so the run loop reads as "send the group, receive this case's answer".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from grader.model import CaseInput
from grader.run.channel import Worker


class SendAhead:
    """What the current worker was sent: cases ``[first, end)`` of a run, and maybe ``finish``.

    Cases of one group are sent together and answered in order: one round trip per group, not
    per case. Groups never mix and examples go alone (their group is None), so the code never
    holds a hidden case's input while an example runs, and an example's output is exactly its
    own. Once the last case is sent, so is ``finish``: the worker says ``done`` right after its
    last answer. A new worker starts with a new SendAhead at the case after the one that
    stopped the last.
    """

    def __init__(
        self, worker: Worker, cases: Sequence[CaseInput], first: int, clock: Callable[[], float]
    ) -> None:
        self.worker = worker
        self.cases = cases
        self.end = first  # cases before this position were sent to ``worker``
        self.finish_sent = False
        self.clock = clock
        self.started = clock()  # when the case answered next began to run

    def send_group_at(self, position: int) -> None:
        """Send the group that starts at ``position``, unless it was sent already."""
        if position < self.end:
            return
        group = self.cases[position].group
        end = position + 1
        while end < len(self.cases) and group is not None and self.cases[end].group == group:
            end += 1
        for case in self.cases[position:end]:
            self.worker.send_line(f'{{"op":"case","index":{case.index},"call":{case.call_json}}}')
        self.end = end
        if end == len(self.cases):
            self.send_finish()
        self.started = self.clock()

    def send_finish(self) -> None:
        if not self.finish_sent:
            self.worker.send({"op": "finish"})
            self.finish_sent = True

    def answered(self) -> None:
        """An answer came: the next case, already sent, runs from now on."""
        self.started = self.clock()

    def more_after(self, position: int) -> bool:
        """Whether more answers (or ``done``) may follow the answer to ``position``."""
        return self.end > position + 1 or self.finish_sent

    def owes(self, position: int) -> bool:
        """Whether answers to cases from ``position`` on are still on their way."""
        return self.end > position
