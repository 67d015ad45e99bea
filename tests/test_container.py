"""Where containers can be made, read from /proc's texts, and what a container writes: cgroup v2
(as root, or in a subtree delegated to the user) and v1, on folders laid out like the kernel's.
(This machine's controllers are cgroup v1: the red-team suite proves the v1 containers hold; these
tests prove the v2 paths choose the right place and write the right files.)
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import cast

import pytest

from grader.run import capabilities, container
from grader.run.capabilities import CgroupBase, find_cgroups
from grader.run.prefork import Forked, ForkServer, Pending


def v2_tree(root: Path, own: str, delegated_at: str | None = None) -> str:
    """A cgroup2 hierarchy at ``root`` with this process in ``own``; the folder
    ``delegated_at`` (and the root) pass memory, pids and cpu on. Returns a mountinfo text."""
    for folder in [root, *[root / own.strip("/")], *(Path(root, own.strip("/")).parents)]:
        if folder.is_relative_to(root):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "cgroup.procs").write_text("")
            (folder / "cgroup.subtree_control").write_text("")
            (folder / "cgroup.controllers").write_text("cpu memory pids")
    (root / "cgroup.subtree_control").write_text("cpu memory pids")
    if delegated_at:
        (root / delegated_at.strip("/") / "cgroup.subtree_control").write_text("memory pids")
    return f"41 31 0:38 / {root} rw,relatime - cgroup2 cgroup2 rw\n"


def test_v2_as_root_uses_the_hierarchys_root(tmp_path: Path) -> None:
    mountinfo = v2_tree(tmp_path, "/system.slice/grader.service")
    base = find_cgroups(mountinfo, "0::/system.slice/grader.service\n", euid=0)
    assert isinstance(base, CgroupBase) and base.version == 2
    assert base.folders == {"memory": tmp_path, "pids": tmp_path, "cpu": tmp_path}


@pytest.mark.skipif(os.geteuid() != 0, reason="a folder root cannot write stands for one")
def test_v2_as_a_user_uses_the_nearest_delegated_ancestor(tmp_path: Path) -> None:
    own = "/user.slice/user-1000.slice/user@1000.service/app.slice/run.scope"
    delegated = "/user.slice/user-1000.slice/user@1000.service"
    mountinfo = v2_tree(tmp_path, own, delegated_at=delegated)
    for folder in tmp_path.rglob("*"):  # only the delegated subtree is the user's to write
        if folder.is_dir() and not folder.is_relative_to(tmp_path / delegated.strip("/")):
            folder.chmod(0o555)
    tmp_path.chmod(0o555)
    try:
        base = find_cgroups(mountinfo, f"0::{own}\n", euid=1000)
        assert isinstance(base, CgroupBase), base
        assert base.folders == dict.fromkeys(("memory", "pids"), tmp_path / delegated.strip("/"))
    finally:
        for folder in [tmp_path, *tmp_path.rglob("*")]:
            if folder.is_dir():
                folder.chmod(0o755)


def test_v2_with_no_subtree_to_write_says_why(tmp_path: Path) -> None:
    mountinfo = v2_tree(tmp_path, "/user.slice/session-4.scope")
    (tmp_path / "cgroup.subtree_control").write_text("")  # nothing passed on, anywhere
    why = find_cgroups(mountinfo, "0::/user.slice/session-4.scope\n", euid=1000)
    assert isinstance(why, str) and "GRADER_CGROUP" in why


def test_v2_in_a_subtree_named_by_the_administrator(tmp_path: Path) -> None:
    mountinfo = v2_tree(tmp_path, "/grading/runs")
    (tmp_path / "grading" / "cgroup.subtree_control").write_text("memory pids cpu")
    base = find_cgroups(mountinfo, "0::/elsewhere\n", euid=0, delegated=str(tmp_path / "grading"))
    assert isinstance(base, CgroupBase) and set(base.folders.values()) == {tmp_path / "grading"}


def test_v1_as_root_uses_a_group_under_this_processs_own(tmp_path: Path) -> None:
    lines, membership = [], []
    for number, controller in enumerate(("memory", "pids", "cpu,cpuacct")):
        (tmp_path / controller / "jobs" / "me").mkdir(parents=True)
        lines.append(f"{30 + number} 31 0:{30 + number} / {tmp_path / controller} rw - cgroup "
                     f"cgroup rw,{controller}")  # fmt: skip
        membership.append(f"{number + 1}:{controller}:/jobs/me")
    base = find_cgroups("\n".join(lines), "\n".join(membership), euid=0)
    assert isinstance(base, CgroupBase) and base.version == 1
    assert base.folders["memory"] == tmp_path / "memory" / "jobs" / "me"
    assert base.folders["cpu"] == base.folders["cpuacct"] == tmp_path / "cpu,cpuacct/jobs/me"
    assert isinstance(find_cgroups("\n".join(lines), "\n".join(membership), euid=1000), str)


def test_containers_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(capabilities.NO_CGROUPS, "off")
    capabilities.cgroups.cache_clear()
    try:
        assert "turned off" in str(capabilities.cgroups())
        assert isinstance(container.make(), str)
    finally:
        capabilities.cgroups.cache_clear()


def test_a_v2_container_writes_its_limits(tmp_path: Path) -> None:
    held = container.Container(CgroupBase(2, dict.fromkeys(("memory", "pids", "cpu"), tmp_path)))
    (folder,) = held.distinct()
    assert folder.parent == tmp_path and (folder / "cpu.max").read_text() == "100000 100000"
    (folder / "memory.current").write_text("1000")
    (folder / "pids.current").write_text("2")
    (folder / "cgroup.procs").write_text("41\n42\n")
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n")
    held.start_run(512 << 20, worker=42)
    cap = (1000 + (512 << 20)) // container.PAGE * container.PAGE  # whole pages: as read back
    assert (folder / "memory.max").read_text() == str(cap)
    assert (folder / "memory.swap.max").read_text() == "0"
    assert (folder / "pids.max").read_text() == str(2 + container.PROCESSES)
    assert held.own == {41} and not held.out_of_memory()
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 9\noom 2\noom_kill 1\n")
    assert held.out_of_memory()
    (folder / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\n")
    assert held.cpu_seconds() == 2.5


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a cgroup hierarchy root can write")
def test_the_groups_of_a_grader_that_died_are_ended_and_removed() -> None:
    import subprocess

    base = capabilities.cgroups()
    if isinstance(base, str):
        pytest.skip(base)
    dead = max(int(p) for p in os.listdir("/proc") if p.isdigit()) + 100_000
    name = f"grader-{dead}-0"
    stray = subprocess.Popen(["sleep", "60"])
    try:
        for folder in dict.fromkeys(base.folders.values()):
            (folder / name).mkdir()
            (folder / name / "cgroup.procs").write_text(str(stray.pid))
        container._swept.discard(os.getpid())
        made = container.make()  # the next grader, in effect
        assert isinstance(made, container.Container)
        made.close()
        assert stray.wait(timeout=10) == -9  # the dead grader's run, ended
        assert not any((folder / name).exists() for folder in base.folders.values())
    finally:
        stray.kill()
        stray.wait()
        for folder in dict.fromkeys(base.folders.values()):
            with contextlib.suppress(OSError):
                (folder / name).rmdir()


def _v2_group(tmp_path: Path) -> tuple[container.Container, Path]:
    """A v2 container on plain folders, with a server (41) and a worker (42) in it."""
    held = container.Container(CgroupBase(2, dict.fromkeys(("memory", "pids", "cpu"), tmp_path)))
    (folder,) = held.distinct()
    (folder / "memory.current").write_text("1000")
    (folder / "pids.current").write_text("2")
    (folder / "cgroup.procs").write_text("41\n42\n")
    return held, folder


class _Server:
    """What a ``Forked`` asks of its fork server, once the fork's answer is in."""

    def __init__(self, held: container.Container) -> None:
        self.container = held
        self.generation = 1
        self.tmpfs_each_run = False


def _forked(server: _Server, number: int) -> Forked:
    """The worker 42, forked in the server's container."""
    reply = {"kind": "forked", "pid": 42, "contained": True}
    forked = Forked(cast(ForkServer, server), number, Pending(reply=reply, done=True))
    forked.pid = 42
    return forked


def test_limits_that_could_not_be_written_are_tried_again_and_never_claimed(
    tmp_path: Path,
) -> None:
    held, folder = _v2_group(tmp_path)
    (folder / "memory.max").mkdir()  # the kernel refuses the write, this once
    with pytest.raises(OSError):
        held.start_run(512 << 20, worker=42)
    assert held.memory == 0
    server = _Server(held)
    assert not _forked(server, 1).limit_memory(512 << 20), "a cap that was not set"
    (folder / "memory.max").rmdir()
    held.start_run(512 << 20, worker=42)
    assert held.memory == 512 << 20
    cap = (1000 + (512 << 20)) // container.PAGE * container.PAGE  # whole pages
    assert (folder / "memory.max").read_text() == str(cap)
    assert (folder / "pids.max").read_text() == str(2 + container.PROCESSES)
    assert _forked(server, 2).limit_memory(512 << 20)


def test_limits_a_run_changed_are_restored_for_the_next(tmp_path: Path) -> None:
    held, folder = _v2_group(tmp_path)
    held.start_run(512 << 20, worker=42)
    written = {name: (folder / name).read_text() for name in ("memory.max", "pids.max", "cpu.max")}
    for name in written:  # what a worker that could write its group's files might do
        (folder / name).write_text("max")
    held.start_run(512 << 20, worker=42)
    assert {name: (folder / name).read_text() for name in written} == written
    (folder / "pids.max").write_text("5")
    held.start_run(512 << 20, worker=42)
    assert {name: (folder / name).read_text() for name in written} == written


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a cgroup hierarchy root can write")
def test_a_real_group_restores_raised_limits_and_finds_a_process_in_any_hierarchy() -> None:
    import subprocess

    made = container.make()
    if isinstance(made, str):
        pytest.skip(made)
    server, worker, stray = (subprocess.Popen(["sleep", "60"]) for _ in range(3))
    try:
        for folder in made.distinct():
            for pid in (server.pid, worker.pid):
                (folder / "cgroup.procs").write_text(str(pid))
        made.start_run(256 << 20, worker.pid)
        assert made._holds(), "the kernel reads a limit back as it was written"
        memory = made.folders["memory"]
        names = ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes", "memory.max"]
        raised = {n: int(made.limits["memory", n]) + (64 << 20) for n in names
                  if ("memory", n) in made.limits}  # fmt: skip
        for name, value in raised.items():  # memsw first: it must stay above the limit (v1)
            (memory / name).write_text(str(value))
        (made.folders["pids"] / "pids.max").write_text("max")
        # in the memory hierarchy only (cgroup v1), as a process that could write there may be
        (memory / "cgroup.procs").write_text(str(stray.pid))
        made.start_run(256 << 20, worker.pid)
        assert all(int((memory / name).read_text()) < value for name, value in raised.items())
        assert (made.folders["pids"] / "pids.max").read_text().strip() != "max"
        assert made._holds()
        assert stray.wait(timeout=10) == -9 and made.leftovers == 1
        assert server.poll() is None and worker.poll() is None
    finally:
        for process in (server, worker, stray):
            process.kill()
            process.wait()
        made.close()
