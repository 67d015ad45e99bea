"""A resource container per worker: one cgroup that holds all of its processes, and its uid.

Where ``capabilities.cgroups`` found a place for them (cgroup v1 hierarchies as root, or a cgroup
v2 subtree: the root, or one delegated to the user), every worker the fork server forks is put,
before it is sent the submission, into a group of its own that limits all its processes together:
memory (RAM, swap and its tmpfs working directory, with the kernel's OOM killer inside the
group), the number of processes and threads, and a bandwidth of one CPU; CPU time is accounted
across threads and children. Nothing but that worker's processes is ever in the group, so
killing what is left in it at the end never touches a process the grader did not start.

Where no group can be made, each limit holds per process only (``RLIMIT_AS``, ``RLIMIT_CPU``),
and the isolation says so (``PER_PROCESS``).

``UidSlot`` lends a dedicated uid to a fork server running as root: distinct for every server of
every grader on the machine at once, held through an abstract Unix socket name that the kernel
frees when its holder dies.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import time
from pathlib import Path

from grader.run import capabilities
from grader.run.capabilities import CgroupBase

PROCESSES = 64  # processes and threads of one worker, all together
CPU_PERIOD = 100_000  # microseconds: one CPU's worth per period
UID_BASE = int(os.environ.get("GRADER_UID_BASE", "1999000000"))  # free uids for the workers
UID_SLOTS = 1000
PER_PROCESS = ("memory", "processes", "cpu time")  # what holds per process without a container
_names = itertools.count()


class Container:
    """The cgroup of one worker; ``close`` it once the worker has ended."""

    def __init__(self, base: CgroupBase, memory: int, processes: int = PROCESSES) -> None:
        """Make the group: ``memory`` bytes for all its processes (RAM, swap, tmpfs pages),
        ``processes`` tasks. OSError if the kernel refuses."""
        self.base = base
        self.memory = memory
        name = f"grader-{os.getpid()}-{next(_names)}"
        self.folders = {c: folder / name for c, folder in base.folders.items()}
        made: list[Path] = []
        try:
            for folder in dict.fromkeys(self.folders.values()):
                folder.mkdir()
                made.append(folder)
            self._limit(memory, processes)
        except OSError:
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise

    def _limit(self, memory: int, processes: int) -> None:
        if self.base.version == 1:
            self._write("memory", "memory.limit_in_bytes", memory)
            with contextlib.suppress(OSError):  # swap accounting may be off: no swap to limit
                self._write("memory", "memory.memsw.limit_in_bytes", memory)
            self._write("pids", "pids.max", processes)
            if "cpu" in self.folders:
                self._write("cpu", "cpu.cfs_period_us", CPU_PERIOD)
                self._write("cpu", "cpu.cfs_quota_us", CPU_PERIOD)
            return
        self._write("memory", "memory.max", memory)
        with contextlib.suppress(OSError):
            self._write("memory", "memory.swap.max", 0)
        with contextlib.suppress(OSError):  # an out-of-memory kill takes the whole group
            self._write("memory", "memory.oom.group", 1)
        self._write("pids", "pids.max", processes)
        if "cpu" in self.folders:
            self._write("cpu", "cpu.max", f"{CPU_PERIOD} {CPU_PERIOD}")

    def _write(self, controller: str, name: str, value: object) -> None:
        (self.folders[controller] / name).write_text(str(value))

    def _read(self, controller: str, name: str) -> str:
        try:
            return (self.folders[controller] / name).read_text()
        except (OSError, KeyError):
            return ""

    def place(self, pid: int) -> None:
        """Move process ``pid`` (a fresh worker that has not run anything yet) into the group."""
        for folder in dict.fromkeys(self.folders.values()):
            (folder / "cgroup.procs").write_text(str(pid))

    def out_of_memory(self) -> bool:
        """Whether the kernel killed a process of the group for want of memory."""
        events = self._read(
            "memory", "memory.oom_control" if self.base.version == 1 else "memory.events"
        )
        for line in events.splitlines():
            key, _, count = line.partition(" ")
            if key in ("oom_kill", "oom_group_kill") and count.strip() not in ("", "0"):
                return True
        return False

    def cpu_seconds(self) -> float | None:
        """CPU time used by all the group's processes and threads so far, where accounted."""
        if self.base.version == 1:
            usage = self._read("cpuacct", "cpuacct.usage").strip()
            return int(usage) / 1e9 if usage.isdigit() else None
        for line in self._read("memory", "cpu.stat").splitlines():
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
        return None

    def processes(self) -> list[int]:
        pids: set[int] = set()
        for folder in dict.fromkeys(self.folders.values()):
            with contextlib.suppress(OSError):
                pids |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
        return sorted(pids)

    def close(self) -> None:
        """Kill whatever is still in the group (only ever this worker's processes) and remove
        it. The fork server has normally ended them all already."""
        for attempt in range(100):
            left = self.processes()
            if not left:
                break
            if attempt == 0 and self.base.version == 2:
                with contextlib.suppress(OSError):
                    self._write("pids", "cgroup.kill", 1)
            else:
                for pid in left:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
            time.sleep(0.001 * min(attempt + 1, 20))
        for folder in dict.fromkeys(self.folders.values()):
            for wait in (0.0, 0.005, 0.05, 0.2):
                time.sleep(wait)
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    continue


def make(memory: int) -> Container | None:
    """A container for one worker with ``memory`` bytes, or None where none can be made here."""
    base = capabilities.cgroups()
    if isinstance(base, str):
        return None
    _sweep(base)
    try:
        return Container(base, memory)
    except OSError:
        return None


_swept: set[int] = set()


def _sweep(base: CgroupBase) -> None:
    """Once per process: remove the empty groups of graders that died without removing them."""
    if os.getpid() in _swept:
        return
    _swept.add(os.getpid())
    for folder in dict.fromkeys(base.folders.values()):
        with contextlib.suppress(OSError):
            for entry in folder.iterdir():
                owner = entry.name.split("-")[1:2]
                mine = entry.name.startswith("grader-") and owner and owner[0].isdigit()
                if mine and not Path(f"/proc/{owner[0]}").exists():
                    with contextlib.suppress(OSError):
                        entry.rmdir()


def describe(base: CgroupBase | str) -> str:
    """The containers in words, or why there are none."""
    if isinstance(base, str):
        return f"no container ({base}): {', '.join(PER_PROCESS)} limited per process only"
    cpu = ", one CPU" if "cpu" in base.folders else ""
    return (
        f"container: cgroup v{base.version} (memory and {PROCESSES} processes for all its "
        f"processes together{cpu})"
    )


class UidSlot:
    """A dedicated uid held by this process until ``release`` (or its death)."""

    def __init__(self) -> None:
        self.lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        start = os.getpid() % UID_SLOTS
        for slot in range(UID_SLOTS):
            uid = UID_BASE + (start + slot) % UID_SLOTS
            try:
                self.lock.bind(f"\0grader-uid-{uid}")
            except OSError:
                continue
            self.uid = uid
            return
        self.lock.close()
        raise OSError("every dedicated uid is in use")

    def release(self) -> None:
        self.lock.close()
