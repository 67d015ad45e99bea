"""``grader watch`` driven through a pipe, as an editor and a learner would: save, read."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references
REFERENCE = PACK / "reference" / "softmax_jacobian.py"
WRONG = PACK / "reference" / "softmax_jacobian" / "wrong_answer" / "missing_else.py"
PATIENCE = 60.0  # seconds to wait for a result on a busy machine (the speed is in bench/)


class Watch:
    """A running ``grader watch``; ``block()`` returns the next result block it prints."""

    def __init__(self, path: Path, *args: str) -> None:
        env = {**os.environ, "NO_COLOR": "1"}
        env.pop("GRADER_PROBLEMS", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader", "watch", str(path), *args],
            cwd=path.parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.status: queue.Queue[str] = queue.Queue()
        for stream, into in ((self.proc.stdout, self.lines), (self.proc.stderr, self.status)):
            threading.Thread(target=self._pump, args=(stream, into), daemon=True).start()

    @staticmethod
    def _pump(stream: object, into: queue.Queue[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.put(line)

    def block(self) -> str:
        """Lines up to and including the next ``Score:`` line."""
        out = []
        deadline = time.monotonic() + PATIENCE
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            out.append(line)
            if line.startswith("Score:"):
                return "".join(out)

    def status_line(self, needle: str) -> str:
        deadline = time.monotonic() + PATIENCE
        while True:
            line = self.status.get(timeout=max(0.1, deadline - time.monotonic()))
            if needle in line:
                return line

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=PATIENCE)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def save(path: Path, text: str) -> None:
    """Save as editors that write a new file and rename it over do: the watch never sees the
    file half-written (an in-place save, truncated then written, could be graded empty on a
    busy machine; the watch handles that too, but a test must not depend on the timing)."""
    fresh = path.with_name(f".{path.name}.saving")
    fresh.write_text(text)
    fresh.replace(path)


@pytest.fixture
def solution(tmp_path: Path) -> Path:
    path = tmp_path / "solution.py"
    path.write_text(WRONG.read_text())
    return path


def test_a_save_is_graded_again_and_ctrl_c_exits_0(solution: Path) -> None:
    watch = Watch(solution, "--problem", "softmax_jacobian", "--sandbox", "off")
    try:
        first = watch.block()
        assert first.startswith("softmax_jacobian · Jacobian of the softmax function")
        assert "not accepted" in first
        save(solution, REFERENCE.read_text())
        second = watch.block()
        assert "Score: 100% (37 of 37 points), accepted" in second
        started = time.monotonic()
        assert watch.stop() == 0
        assert time.monotonic() - started < 30  # promptly, even on a busy machine
    finally:
        watch.close()


def test_the_watch_survives_syntax_errors_deletion_renames_and_hangs(solution: Path) -> None:
    watch = Watch(solution, "--problem", "softmax_jacobian", "--sandbox", "off")
    try:
        watch.block()
        save(solution, "def softmax_jacobian(x)\n    return x\n")  # half-written, or a typo
        assert "compile error at line 1" in watch.block()
        solution.unlink()
        assert "is not there" in watch.status_line("is not there")
        tmp = solution.with_name(".solution.py.swp")  # an editor's write-then-rename save
        tmp.write_text(REFERENCE.read_text())
        tmp.replace(solution)
        assert "accepted" in watch.block()
        save(solution, "def softmax_jacobian(x):\n    while True:\n        pass\n")
        hung = watch.block()
        assert "time limit" in hung and "not accepted" in hung
        save(solution, REFERENCE.read_text())
        assert "Score: 100%" in watch.block()
        assert watch.stop() == 0
    finally:
        watch.close()


def test_a_file_that_is_not_there_at_start_is_a_usage_error(tmp_path: Path) -> None:
    watch = Watch(tmp_path / "missing.py", "--problem", "softmax_jacobian")
    try:
        assert watch.proc.wait(timeout=PATIENCE) == 2
        assert "no such file" in watch.status_line("no such file")
    finally:
        watch.close()


def test_on_a_terminal_each_result_clears_the_screen_first(solution: Path) -> None:
    import pty
    import select

    leader, follower = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GRADER_PROBLEMS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader", "watch", str(solution), "--sandbox", "off"],
        cwd=solution.parent,
        env=env,
        stdout=follower,
        stderr=subprocess.DEVNULL,
    )
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + PATIENCE
        while seen.count(b"Score:") < 2 and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                seen += os.read(leader, 65536)
            if seen.count(b"Score:") == 1 and b"# saved" not in solution.read_bytes():
                save(solution, REFERENCE.read_text() + "\n# saved\n")
        assert seen.count(b"\x1b[H\x1b[2J") == 2, seen[-400:]
        assert seen.rstrip().endswith(b"accepted \xc2\xb7 softmax_jacobian")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=PATIENCE) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
