"""The progress of a long run (a batch) on stderr: a bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO


class Progress:
    """A bar with rate and ETA on a terminal; a plain line every 10% (or 5 s) otherwise.

    ``clock`` gives the time in seconds (tests pass their own)."""

    def __init__(self, stream: IO[str], clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.clock = clock
        self.started = clock()
        self.shown = -1.0
        self.step = -1

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else 0.0
        if self.tty:
            if now - self.shown < 0.1 and done < total:
                return
            width = 30
            filled = width * done // max(total, 1)
            bar = "█" * filled + "·" * (width - filled)
            self.stream.write(
                f"\r{bar} {done}/{total}  {rate:.0f}/s  ETA {eta:.0f}s "
                + ("\n" if done == total else "")
            )
        else:
            step = 10 * done // max(total, 1)
            if step == self.step and now - self.shown < 5.0 and done < total:
                return
            self.step = step
            self.stream.write(f"graded {done}/{total} ({rate:.0f}/s, about {eta:.0f} s left)\n")
        self.shown = now
        self.stream.flush()
