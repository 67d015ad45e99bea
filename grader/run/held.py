"""What held for a run of the Linux modes, in words (a result's ``isolation``) and as the limits
that hold per process only (its ``per_process_only``).

What holds is what the fork server's confinement (``child/confine.py``), the worker (its resource
limits and Landlock, with the ABI in force) and the container (``container.py``) reported: never
more. Root that may not switch to a dedicated uid (a container that dropped CAP_SETUID and
CAP_SETGID, or a user namespace that does not map the uids) runs its workers as uid 0 without any
capability: only Landlock then keeps root's files (ABI 1 and up: the container's files too) and
root's processes (ABI 6 and up: signals) out of their reach, and the words say which do not hold.
"""

from __future__ import annotations

from grader.run.capabilities import NOBODY

LIMITS = ("as", "cpu", "fsize", "nofile", "core")  # what a worker may say it could not set
PER_PROCESS = ("memory", "processes", "cpu time")  # what holds per process without a container
SIGNALS_ABI = 6  # the Landlock ABI that stops signals to processes outside the worker's domain


def describe(
    mode: str,
    landlock: str | None,
    abi: int = 0,
    unenforced: frozenset[str] = frozenset(),
    confined: dict[str, object] | None = None,
    contained: str | None = None,
) -> str:
    """The isolation of the Linux modes in words, for reports.

    ``landlock``: None where the worker is under Landlock (``abi``: the ABI in force), else why
    not; ``unenforced``: the resource limits the worker could not set (none, on Linux);
    ``confined``: what the fork server's confinement held (``confine.py``'s report);
    ``contained``: the worker's container in words (``container.describe``).
    """
    parts = [
        f"bubblewrap (namespaces, uid {NOBODY} in them, no network)"
        if mode == "bubblewrap"
        else "process (own session, limits, scrubbed environment)"
    ]
    if confined is not None:
        parts.append(_confinement(confined))
        if as_root(confined):
            parts.append(_root(landlock, abi))
    if contained:
        parts.append(contained)
    parts.append(_fence(landlock, abi))
    return "; ".join(parts) + "".join(f"; limit not enforced: {n}" for n in sorted(unenforced))


def as_root(confined: dict[str, object] | None) -> bool:
    """Whether the worker runs as uid 0 (root that could not switch to a dedicated uid)."""
    return confined is not None and confined.get("uid") == 0


def _fence(landlock: str | None, abi: int) -> str:
    if landlock is not None:
        return f"no Landlock ({landlock})"
    words = "Landlock: reads limited to the interpreter and its libraries, writes to the working "
    words += "directory" + (", no TCP" if abi >= 4 else "")
    words += ", no signal to a process outside the run" if abi >= SIGNALS_ABI else ""
    return words + (f" (ABI {abi})" if abi else "")


def _root(landlock: str | None, abi: int) -> str:
    """What a worker that is uid 0 without capabilities can reach, by what Landlock holds."""
    said = "no uid of its own (root without CAP_SETUID and CAP_SETGID, or the uids not mapped)"
    if landlock is not None:
        return (
            f"{said}; NOT HELD: root's files and processes are within its reach and it can leave "
            "its container"
        )
    if abi < SIGNALS_ABI:
        return (
            f"{said}; NOT HELD: it can signal root's processes, the grader's among them (Landlock "
            f"ABI {abi} < {SIGNALS_ABI}); Landlock keeps root's files and its container's out of "
            "its reach"
        )
    return f"{said}; Landlock (ABI {abi}) keeps root's files, processes and container out of reach"


def _confinement(report: dict[str, object]) -> str:
    uid = report.get("uid")
    words = [f"uid {uid}" if uid else "uid 0", "no capabilities, no_new_privs"]
    words.append("seccomp filter" if report.get("seccomp") else "no seccomp filter")
    spaces = report.get("namespaces")
    words.append("own IPC, network and mount namespaces" if spaces else "no namespaces of its own")
    tmpfs = report.get("tmpfs")
    if isinstance(tmpfs, int) and tmpfs:
        words.append(f"working directory: a {tmpfs >> 20} MiB tmpfs")
    else:
        words.append("working directory not size-limited (16 MiB per file)")
    return ", ".join(words)


def per_process_only(
    confined: dict[str, object] | None, contained: bool, landlock: str | None
) -> tuple[str, ...]:
    """The limits that hold per process only (or, for the disk, per file): what a submission
    could multiply by starting processes or writing files. A worker that is uid 0 without
    Landlock can write its way out of its container (``cgroup.procs``) or raise its limits."""
    escapes = as_root(confined) and landlock is not None
    only: tuple[str, ...] = () if contained and not escapes else PER_PROCESS
    if confined is None or not confined.get("tmpfs"):
        only += ("disk",)
    return only


def unenforced(names: object, memory_capped: bool) -> frozenset[str]:
    """The resource limits the worker said it could not set, less what its launcher caps."""
    got = frozenset(n for n in names if n in LIMITS) if isinstance(names, list) else frozenset()
    return got - {"as"} if memory_capped else got
