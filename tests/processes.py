"""The processes a test started, found by a marker of the test's own, never by a machine-wide
name: another grader, or another test run, on the same machine must not change what a test sees.
"""

from __future__ import annotations

import os
from pathlib import Path


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:  # gone meanwhile, or not ours to read
        return b""


def _marked(pid: str, needle: bytes) -> bool:
    """``needle`` (ending in ``/`` for a folder) in the process's argv, environment or cwd."""
    argv, environ = _read(f"/proc/{pid}/cmdline"), _read(f"/proc/{pid}/environ")
    if needle in argv or needle in environ:
        return True
    if needle.endswith(b"/") and needle[:-1] + b"\0" in argv + environ:  # the folder itself
        return True
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd").encode()
    except OSError:
        return False
    return (cwd + b"/").startswith(needle) if needle.endswith(b"/") else needle in cwd


def processes_with(marker: str | Path) -> list[str]:
    """Live processes that carry ``marker`` (in their command line, environment or working
    directory), with all their descendants, as ``"pid command line"`` lines; [] when none.

    Pass something only the calling test could have put there: its ``private_tmp`` folder
    (inherited as ``TMPDIR`` by the commands it starts, and the home of the run directories and
    fork servers' folders they create) or a unique string it gave a command. Processes of other
    tests or other graders on the machine never match; zombies (already dead) are left out.
    """
    # A folder matches only as a whole path component: tmp1 must not find tmp10's processes.
    needle = os.fsencode(marker) + (b"/" if isinstance(marker, Path) else b"")
    me = str(os.getpid())
    parent: dict[str, str] = {}
    found: set[str] = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or pid == me:
            continue
        stat = _read(f"/proc/{pid}/stat")
        fields = stat[stat.rfind(b")") + 2 :].split()  # after "pid (command name) "
        if len(fields) < 2 or fields[0] == b"Z":
            continue
        parent[pid] = fields[1].decode()
        if _marked(pid, needle):
            found.add(pid)
    grown = True
    while grown:  # add descendants: e.g. what runs inside a bubblewrap whose argv names the folder
        more = {pid for pid, ppid in parent.items() if ppid in found} - found
        found |= more
        grown = bool(more)
    lines = []
    for pid in sorted(found, key=int):
        command = _read(f"/proc/{pid}/cmdline").replace(b"\0", b" ").decode(errors="replace")
        if command:  # a process that exited while we looked has none
            lines.append(f"{pid} {command.strip()}")
    return lines
