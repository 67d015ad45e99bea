"""A resource container per run: a cgroup that holds all of a submission's processes; its uid.

Where ``capabilities.cgroups`` found a place for them (cgroup v1 hierarchies as root, or a cgroup
v2 subtree: the root, or one delegated to the user), each fork server is put in a group of its
own when it starts, so that every worker it forks is born inside, with all the processes that
worker starts (moving a process between groups costs milliseconds of waiting for the kernel;
being born in one costs nothing). The server runs one submission at a time, so the group is the
run's container. Its limits are for what a run may add to the server's own use: memory (RAM,
swap and its tmpfs working directory, with the kernel's OOM killer acting inside the group, on
the run's processes first: they ask to be its victims), processes and threads, and a bandwidth
of one CPU (its CPU time is accounted across threads and children). ``start_run`` writes them
before the server's first run (a server serves one problem), and again before any later run for
which one of them no longer reads back as written, or the last writing failed; a limit is
counted as set only once every write has succeeded. Before each run ``start_run`` also checks
that nothing of the last is left: only the server's own processes and the new worker are in the
group, in each of its hierarchies (anything else is killed: only a submission's process can be
there), so a container is reused without anything crossing from one run to the next.

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
import time
from pathlib import Path

from grader.run import capabilities, control
from grader.run.capabilities import CgroupBase

PROCESSES = 64  # processes and threads a run may add, all together
CPU_PERIOD = 100_000  # microseconds: one CPU's worth per period
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096  # memory limits' unit
UID_BASE = int(os.environ.get("GRADER_UID_BASE", "1999000000"))  # free uids for the workers
UID_SLOTS = 1000
PER_PROCESS = ("memory", "processes", "cpu time")  # what holds per process without a container
_names = itertools.count()


class Container:
    """The cgroup of one fork server and the runs it forks; ``close`` it when done."""

    def __init__(self, base: CgroupBase, existing: str = "") -> None:
        """Make the group (OSError if the kernel refuses); the server moves itself in. With
        ``existing``: the group of that name, made by another grader (to ``close`` it)."""
        self.base = base
        name = existing or f"grader-{os.getpid()}-{next(_names)}"
        self.folders = {c: folder / name for c, folder in base.folders.items()}
        self.files: dict[tuple[str, str], str] = {}  # paths joined once: some are read every run
        self.own: set[int] = set()  # the server's processes, seen when its first run starts
        self.leftovers = 0  # processes of an earlier run found when a run started (killed)
        self.oom_kills = 0  # the group's count when the run started
        self.cpu_at_start = 0.0
        self.memory = 0  # the bytes a run may add, once limits for it are written (0: none yet)
        self.limits: dict[tuple[str, str], str] = {}  # what was written, as the kernel reads it
        if existing:
            return
        made: list[Path] = []
        try:
            for folder in self.distinct():
                folder.mkdir()
                made.append(folder)
            self._limit_cpu()
        except OSError:
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise

    def distinct(self) -> list[Path]:
        """Its folders: one per hierarchy (cgroup v1), or one (v2)."""
        return list(dict.fromkeys(self.folders.values()))

    def _file(self, controller: str, name: str) -> str:
        """The path of the group's file ``name`` in ``controller``'s hierarchy (KeyError if it
        has none)."""
        path = self.files.get((controller, name))
        if path is None:
            path = self.files[controller, name] = os.path.join(self.folders[controller], name)
        return path

    def _write(self, controller: str, name: str, value: object) -> None:
        """Write a limit (OSError if the kernel refuses it); ``_holds`` checks it is still set."""
        Path(self._file(controller, name)).write_text(str(value))
        self.limits[controller, name] = str(value)

    def _read(self, controller: str, name: str) -> str:
        try:
            return _read_file(self._file(controller, name))
        except (OSError, KeyError):
            return ""

    def start_run(self, memory: int, worker: int | None) -> None:
        """Make the group ready for the run about to start: ``memory`` bytes and ``PROCESSES``
        tasks on top of what is there now (the server and ``worker``, the run's first process,
        just forked: nothing of the submission has run yet). OSError if a limit cannot be
        written: the run then has no cap of the group's, and the next run writes them again.

        The limits are written for a server's first run (it serves one problem), and again
        whenever one of the files no longer reads what was written (a process that could write
        them changed them): each run reads them back, a few microseconds. Anything else in the
        group, in any hierarchy, is what an earlier run left (the server ends every run's
        processes, so nothing should be): it is killed first, and counted in ``leftovers``.
        """
        present = set(self.processes())
        if not self.own:
            self.own = present - {worker}
        strays = present - self.own - {worker}
        if strays:
            self.leftovers += len(strays)
            self._kill(keep=self.own | ({worker} if worker else set()))
        if memory != self.memory or not self._holds():
            self.memory, self.limits = 0, {}  # until every write has succeeded
            self._limit_cpu()
            self._limit(memory)
            self.memory = memory
        self.oom_kills = self._oom_kills()
        self.cpu_at_start = self._cpu() or 0.0

    def _holds(self) -> bool:
        """Whether every limit written still reads as it was written."""
        return all(self._read(c, n).strip() == value for (c, n), value in self.limits.items())

    def _limit_cpu(self) -> None:
        """A bandwidth of one CPU."""
        if "cpu" in self.folders and self.base.version == 1:
            self._write("cpu", "cpu.cfs_period_us", CPU_PERIOD)
            self._write("cpu", "cpu.cfs_quota_us", CPU_PERIOD)
        elif "cpu" in self.folders:
            self._write("cpu", "cpu.max", f"{CPU_PERIOD} {CPU_PERIOD}")

    def _limit(self, memory: int) -> None:
        """``memory`` bytes (whole pages: the kernel reads back what it keeps) and
        ``PROCESSES`` tasks on top of the server's own."""
        if self.base.version == 1:
            used = int(self._read("memory", "memory.usage_in_bytes") or 0)
            cap = (used + memory) // PAGE * PAGE
            with contextlib.suppress(OSError):  # a lower limit than memsw's first, then memsw
                self._write("memory", "memory.limit_in_bytes", cap)
            with contextlib.suppress(OSError):  # swap accounting may be off: no swap to limit
                self._write("memory", "memory.memsw.limit_in_bytes", cap)
            self._write("memory", "memory.limit_in_bytes", cap)
        else:
            used = int(self._read("memory", "memory.current") or 0)
            self._write("memory", "memory.max", (used + memory) // PAGE * PAGE)
            with contextlib.suppress(OSError):
                self._write("memory", "memory.swap.max", 0)
        tasks = int(self._read("pids", "pids.current") or 0)
        self._write("pids", "pids.max", tasks + PROCESSES)

    def _oom_kills(self) -> int:
        events = self._read(
            "memory", "memory.oom_control" if self.base.version == 1 else "memory.events"
        )
        for line in events.splitlines():
            key, _, count = line.partition(" ")
            if key == "oom_kill" and count.strip().isdigit():
                return int(count)
        return 0

    def out_of_memory(self) -> bool:
        """Whether the kernel killed a process of the run for want of memory."""
        return self._oom_kills() > self.oom_kills

    def _cpu(self) -> float | None:
        if self.base.version == 1:
            usage = self._read("cpuacct", "cpuacct.usage").strip()
            return int(usage) / 1e9 if usage.isdigit() else None
        for line in self._read("memory", "cpu.stat").splitlines():
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
        return None

    def cpu_seconds(self) -> float | None:
        """CPU time used in the group since the run started, by every process and thread."""
        now = self._cpu()
        return None if now is None else now - self.cpu_at_start

    def processes(self) -> list[int]:
        """The processes in the group, in any of its hierarchies (cgroup v1: a process that may
        write a ``cgroup.procs`` can leave one and stay in another)."""
        pids: set[int] = set()
        one_each = {folder: controller for controller, folder in self.folders.items()}
        for controller in one_each.values():  # a controller of each hierarchy
            with contextlib.suppress(OSError, ValueError):
                pids |= {int(p) for p in self._read(controller, "cgroup.procs").split()}
        return sorted(pids)

    def _kill(self, keep: set[int]) -> None:
        for attempt in range(200):
            left = [p for p in self.processes() if p not in keep]
            if not left:
                return
            if attempt == 0 and self.base.version == 2 and not keep:
                with contextlib.suppress(OSError):
                    self._write("pids", "cgroup.kill", 1)
                    continue
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.001 * min(attempt + 1, 20))

    def empty(self) -> None:
        """Kill everything in the group (a server that died, and what it left)."""
        self._kill(keep=set())
        self.own = set()

    def close(self) -> None:
        """Kill whatever is still in the group (the server has normally ended it all and exited)
        and remove it."""
        self._kill(keep=set())
        for folder in self.distinct():
            for wait in (0.0, 0.005, 0.05, 0.2):
                time.sleep(wait)
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    continue


def _read_file(path: str) -> str:
    """The whole of a kernel file, read at the os level (read every run: a third of the cost of
    ``Path.read_text``)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks).decode()
    finally:
        os.close(fd)


def make() -> Container | str:
    """A container for a fork server, or why none can be made here."""
    base = capabilities.cgroups()
    if isinstance(base, str):
        return base
    _sweep(base)
    try:
        return Container(base)
    except OSError as exc:
        return f"the kernel refused to make a group ({exc.strerror})"


_swept: set[int] = set()


def _sweep(base: CgroupBase) -> None:
    """Once per process: remove the groups of graders that died (killed) without removing them,
    ending what is still in them: a dead grader's runs, nothing else is ever put there."""
    if os.getpid() in _swept:
        return
    _swept.add(os.getpid())
    stale: set[str] = set()
    for folder in dict.fromkeys(base.folders.values()):
        with contextlib.suppress(OSError):
            for entry in folder.iterdir():
                owner = entry.name.split("-")[1:2]
                mine = entry.name.startswith("grader-") and owner and owner[0].isdigit()
                if mine and entry.is_dir() and not Path(f"/proc/{owner[0]}").exists():
                    stale.add(entry.name)
    for name in stale:
        with contextlib.suppress(OSError):
            Container(base, existing=name).close()


def describe(held: Container | str) -> str:
    """A run's container in words, or why it has none."""
    if isinstance(held, str):
        return f"no container ({held}): {', '.join(PER_PROCESS)} limited per process only"
    base = held.base
    cpu = ", one CPU" if "cpu" in base.folders else ""
    return (
        f"container: cgroup v{base.version} (memory and {PROCESSES} processes for all its "
        f"processes together{cpu})"
    )


class UidSlot:
    """A dedicated uid held by this process until ``release`` (or its death)."""

    def __init__(self) -> None:
        start = os.getpid() % UID_SLOTS
        for slot in range(UID_SLOTS):
            uid = UID_BASE + (start + slot) % UID_SLOTS
            try:
                self.lock = control.lock(f"grader-uid-{uid}")
            except OSError:
                continue
            self.uid = uid
            return
        raise OSError("every dedicated uid is in use")

    def release(self) -> None:
        self.lock.close()
