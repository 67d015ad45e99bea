"""The red-team suite, at run time (issue 10 parts 1-3): each file of ``tests/redteam/`` attacks the
machine, the grader or the next submission, and prints whether the attack ``held`` (was stopped)
or ``BROKEN`` through. Every attack runs in every mode: a single ``grade`` in process mode, a
batch job's fork server shared by the whole suite under bubblewrap (so that the same container
and namespaces serve attack after attack), process mode with containers turned off (as on a
machine without cgroups), and the portable mode. ``GAPS`` lists, per mode, the attacks it does
not stop, and why; ``test_as_a_normal_user`` runs them again as uid 65534 (``nobody``).

The problem is the hostile corpus' ``double``; the attacks are small (8 x 100 MiB against 512
MiB, 15 MiB files against a 64 MiB working directory) so that the suite stays fast.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from processes import processes_with

from grader.model import Result
from grader.pipeline import grade
from grader.run import capabilities, launch
from grader.run.launch import bwrap_problem
from grader.run.prefork import ForkServer
from grader.run.sandbox import Sandbox

REDTEAM = Path(__file__).parent / "redteam"
ATTACKS = sorted(p.stem for p in REDTEAM.glob("*.py"))
PROBLEM = Path(__file__).parent / "hostile" / "problem"
ROOT = os.geteuid() == 0
NO_BWRAP = pytest.mark.skipif(bwrap_problem() is not None, reason=f"{bwrap_problem()}")
MODES = [
    pytest.param("process", id="process"),
    pytest.param("bubblewrap", id="bubblewrap-shared", marks=NO_BWRAP),
    pytest.param("uncontained", id="process-no-container"),
    pytest.param("portable", id="portable"),
]
PER_PROCESS = "the limit holds per process only: no container"
# Attacks whose success, where a mode does not stop them, needs the machine's memory, processes
# or disk at once: on a busy machine they may fail by themselves, so a gap is shown when they
# break through but not required (where a mode claims to stop them, they must be held).
# Likewise an attack whose success, where a mode does not stop it, depends on the machine
# (whether the cgroups the grader is in have limits to lift).
RESOURCE_BOUND = frozenset({"fork_memory", "fork_bomb", "fills_the_disk", "lifts_its_limits"})


def expected(name: str, gap: object) -> set[str]:
    """What the attack may print: ``held`` where the mode stops it; ``BROKEN`` where it does not
    (or either, for an attack that needs resources a busy machine may not give it)."""
    if not gap:
        return {"held"}
    return {"held", "BROKEN"} if name in RESOURCE_BOUND else {"BROKEN"}


# What each mode does not stop, and why (everything else is held in it).
GAPS = {
    "uncontained": {"fork_memory": PER_PROCESS}
    | ({} if ROOT else {"fork_bomb": PER_PROCESS + ", no uid of the run's own"}),
    "portable": {
        "fork_memory": "memory is limited per process (RLIMIT_AS) only",
        "fills_the_disk": "the working directory is a folder of the grader's disk",
        "fork_bomb": "processes are not counted",
        "leaves_a_message": "the machine's IPC, keyrings and /tmp are shared",
        "sockets_reach_out": "the network and the host's sockets are reachable",
        "prlimits_the_grader": "a process of the same user may limit the grader",
    }
    | (
        {
            "uses_root_powers": "the worker runs as the grader's user: root",
            "lifts_its_limits": "root may write the limits of the cgroups the grader is in",
        }
        if ROOT
        else {}
    ),
}


@dataclass
class Listeners:
    """What ``sockets_reach_out`` tries to reach: a UDP port, a Unix socket file, an abstract
    Unix socket name, all of this test's own."""

    udp: socket.socket
    unix: socket.socket
    abstract: socket.socket
    path: str
    name: str

    def received(self) -> list[str]:
        got = []
        for label, sock in (("udp", self.udp), ("unix", self.unix), ("abstract", self.abstract)):
            sock.setblocking(False)
            try:
                if label == "udp":
                    sock.recv(256)
                else:
                    sock.accept()[0].close()
                got.append(label)
            except BlockingIOError:
                pass
        return got


@pytest.fixture
def listeners(private_tmp: Path) -> Iterator[Listeners]:
    folder = Path(f"/tmp/grader-redteam-{secrets.token_hex(6)}")  # reachable by any user
    folder.mkdir(mode=0o755)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = str(folder / "s.sock")
    unix.bind(path)
    os.chmod(path, 0o777)
    unix.listen(4)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    name = f"\0grader-redteam-{secrets.token_hex(6)}"
    abstract.bind(name)
    abstract.listen(4)
    yield Listeners(udp, unix, abstract, path, name)
    for sock in (udp, unix, abstract):
        sock.close()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def problems(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("redteam-root") / "problem"
    shutil.copytree(PROBLEM, root)
    return root / "problems"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ForkServer]]:
    """Fork servers shared by the module, as a batch job's is by its submissions; their
    folders are the module's (a test looks for its own processes in its own folder)."""
    made: dict[str, ForkServer] = {}
    folder = str(tmp_path_factory.mktemp("servers"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", folder)
        patch.setenv("TMPDIR", folder)
        for mode in ("bubblewrap", "uncontained"):
            if mode == "bubblewrap" and bwrap_problem() is not None:
                continue
            if mode == "uncontained":
                patch.setenv(capabilities.NO_CGROUPS, "off")
            capabilities.cgroups.cache_clear()
            made[mode] = ForkServer("bubblewrap" if mode == "bubblewrap" else "process")
    capabilities.cgroups.cache_clear()
    yield made
    for server in made.values():
        server.close()


def sandbox(mode: str, servers: dict[str, ForkServer]) -> Sandbox:
    if mode in ("process", "portable"):
        return Sandbox("off" if mode == "process" else "portable")
    return Sandbox(server=servers[mode])


def submission(name: str, folder: Path, key: int, listening: Listeners | None) -> Path:
    text = (REDTEAM / f"{name}.py").read_text().replace("0x6772_0001", hex(key))
    if listening is not None:
        port, path, abstract = listening.udp.getsockname()[1], listening.path, listening.name
        text = text.replace(
            'PORT, PATH, ABSTRACT = 9, "/nonexistent/redteam.sock", "\\0grader-redteam"',
            f"PORT, PATH, ABSTRACT = {port}, {path!r}, {abstract!r}",
        )
    target = folder / f"{name}.py"
    target.write_text(text)
    target.chmod(0o644)
    return target


def outcome(result: Result, name: str) -> str:
    """``held`` or ``BROKEN``, as the attack printed it; what it printed besides, if neither."""
    printed = result.output + "".join(c.detail.output for c in result.examples if c.detail)
    match = re.search(rf"^redteam {name}: (held|BROKEN)\b.*$", printed, flags=re.M)
    if match is None and result.error is not None and result.error.kind.value == "memory_limit":
        return "held"  # the container's OOM killer took the worker itself
    assert match is not None, (printed, result.error)
    return match[1]


def test_every_attack_says_what_it_tries_and_when_it_is_held() -> None:
    assert len(ATTACKS) >= 7
    for name in ATTACKS:
        text = (REDTEAM / f"{name}.py").read_text()
        assert re.search(r"^# threat: ", text, flags=re.M), name
        assert re.search(r"^# held: ", text, flags=re.M), name


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ATTACKS)
def test_attack(
    name: str,
    mode: str,
    problems: Path,
    servers: dict[str, ForkServer],
    listeners: Listeners,
    private_tmp: Path,
    tmp_path: Path,
) -> None:
    gap = GAPS.get(mode, {}).get(name)
    if name == "prlimits_the_grader" and mode in ("process", "portable"):
        pytest.skip("its parent would be this test run: test_the_grader_cannot_be_limited_...")
    key = 0x67720000 + secrets.randbelow(1 << 16) * 4
    path = submission(name, tmp_path, key, listeners)
    try:
        results = [grade(path, "double", problems, sandbox(mode, servers))]
        if name == "leaves_a_message":  # the next learner's run: does it find anything?
            results.append(grade(path, "double", problems, sandbox(mode, servers)))
        got = outcome(results[-1], name)
        if name == "sockets_reach_out":
            received = listeners.received()
            assert (received != []) == (got == "BROKEN"), (received, results[-1].output)
        assert got in expected(name, gap), results[-1].output
        if not gap:
            assert all(r.error is None or r.error.kind.value == "memory_limit" for r in results)
            assert machine_holds_nothing_of(key) == []
        assert still_running(private_tmp) == [], "a process of the attack is still running"
    finally:
        clean_up_after(key)


@NO_BWRAP
@pytest.mark.skipif(not ROOT, reason="as a normal user bubblewrap has no container to reach")
def test_a_bubblewrap_worker_reaches_no_limit_of_its_container_even_without_landlock(
    problems: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root, bubblewrap's uid 65534 is root outside its namespaces: the server's container
    is bound in as its cgroup.procs files alone, so no limit file is there to lift, with or
    without Landlock (a kernel before 5.13 has none: this test turns it off)."""
    monkeypatch.setattr(launch, "fence", lambda mode, work: None)
    path = submission("lifts_its_limits", tmp_path, 0, None)
    result = grade(path, "double", problems, Sandbox("on"))
    assert "no Landlock" in result.isolation and "container: cgroup" in result.isolation
    assert outcome(result, "lifts_its_limits") == "held", result.output


def still_running(marker: Path, patience: float = 5.0) -> list[str]:
    """The processes that carry ``marker``, once those already killed have had time to go."""
    deadline = time.monotonic() + patience
    while (left := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def machine_holds_nothing_of(key: int) -> list[str]:
    """What ``leaves_a_message`` left on this machine (this test's IPC namespace, keyring, /tmp
    and /dev/shm) under ``key``."""
    left = []
    for kind, wanted in (("msg", key), ("shm", key + 1)):
        for line in Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]:
            if int(line.split()[0]) == wanted:
                left.append(f"a System V {kind} object")
    if _keyring_search(f"grader-redteam-{key:x}") > 0:
        left.append("a key in the user keyring")
    for folder in ("/tmp", "/dev/shm"):
        if (Path(folder) / f"grader-redteam-{key:x}").exists():
            left.append(f"a file in {folder}")
    return left


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
KEYCTL = 250 if os.uname().machine == "x86_64" else 219


def _keyring_search(name: str) -> int:
    return int(_libc.syscall(KEYCTL, 10, -4, b"user", name.encode(), 0))


def clean_up_after(key: int) -> None:
    """Remove what an attack that was not stopped left (a mode with a gap, or a failure)."""
    for kind, wanted, remove in (("msg", key, _libc.msgctl), ("shm", key + 1, _libc.shmctl)):
        for line in Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[0]) == wanted:
                remove(int(fields[1]), 0, None)  # IPC_RMID
    found = _keyring_search(f"grader-redteam-{key:x}")
    if found > 0:
        _libc.syscall(KEYCTL, 21, found)  # KEYCTL_INVALIDATE
    for folder in ("/tmp", "/dev/shm"):
        with contextlib.suppress(OSError):
            (Path(folder) / f"grader-redteam-{key:x}").unlink()


# ---------------------------------------------------------------------------------------------
# The grader as a program: limiting it from inside, as the CLI runs it.


@pytest.mark.parametrize(
    "mode", [pytest.param("off", id="process"), pytest.param("on", id="bubblewrap", marks=NO_BWRAP)]
)
def test_the_grader_cannot_be_limited_by_what_it_grades(
    mode: str, problems: Path, tmp_path: Path
) -> None:
    path = submission("prlimits_the_grader", tmp_path, 0, None)
    report = tmp_path / "r.html"
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(path), "--problem", "double",
         "--problems", str(problems), "--sandbox", mode, "--report", str(report)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "redteam prlimits_the_grader: held" in report.read_text()
    assert not list(Path(os.environ["TMPDIR"]).glob("grader-*")), "a run folder was left behind"


# ---------------------------------------------------------------------------------------------
# The library leaves its caller alone (part 1).


def _process_attributes() -> dict[str, object]:
    import resource
    import signal

    subreaper = ctypes.c_int()
    _libc.prctl(37, ctypes.byref(subreaper), 0, 0, 0)  # PR_GET_CHILD_SUBREAPER
    limits = {
        name: resource.getrlimit(getattr(resource, name))
        for name in dir(resource)
        if name.startswith("RLIMIT_")
    }
    handlers = {
        sig: signal.getsignal(sig) for sig in signal.Signals if sig not in (9, 19)
    }  # SIGKILL, SIGSTOP have none
    return {"subreaper": subreaper.value, "limits": limits, "handlers": handlers}


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param("off", id="process"),
        pytest.param("on", id="bubblewrap", marks=NO_BWRAP),
        pytest.param("portable", id="portable"),
    ],
)
def test_grade_leaves_the_callers_processes_and_attributes_alone(
    mode: str, problems: Path, tmp_path: Path
) -> None:
    solution = tmp_path / "solution.py"
    solution.write_text("def double(x):\n    return [2 * v for v in x]\n")
    before = _process_attributes()
    waiting = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    done = subprocess.Popen(["sh", "-c", "exit 7"])  # ends during the grading, unreaped
    try:
        result = grade(solution, "double", problems, mode)
        assert result.status.value == "accepted"
        assert waiting.poll() is None, "grade() ended a process it did not start"
        assert done.wait(timeout=10) == 7, "grade() reaped a process it did not start"
        assert _process_attributes() == before
    finally:
        waiting.kill()
        waiting.wait()


# ---------------------------------------------------------------------------------------------
# A container serves run after run, and nothing crosses from one run to the next.


@pytest.mark.skipif(not ROOT, reason="containers need root or a delegated cgroup")
def test_a_reused_container_holds_nothing_of_the_last_run(problems: Path, tmp_path: Path) -> None:
    lingering = tmp_path / "lingering.py"
    lingering.write_text(
        "import os, select\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        block = b'1' * (64 << 20)\n"
        "        select.select([], [], [], 60)\n"
        "    os._exit(0)\n"
        "for name in 'abc':\n"
        "    with open(name, 'wb') as f:\n"
        "        f.write(b'1' * (15 << 20))\n"
        "def double(x):\n"
        "    return [2 * v for v in x]\n"
    )
    plain = tmp_path / "plain.py"
    plain.write_text("def double(x):\n    return [2 * v for v in x]\n")
    with ForkServer("process") as server:
        held = server.container
        assert held is not None
        usage = held.folders["memory"] / "memory.usage_in_bytes"
        grade(plain, "double", problems, Sandbox(server=server))
        before = int(usage.read_text())
        for _ in range(2):
            result = grade(lingering, "double", problems, Sandbox(server=server))
            assert result.status.value == "accepted"
            assert held.processes() == sorted(held.own) != [], "the last run left a process"
            assert int(usage.read_text()) < before + (8 << 20), "the last run's memory is held"
        assert held.leftovers == 0


def test_the_seccomp_filter_is_well_formed() -> None:
    spec = launch.WORKER.with_name("confine.py")
    namespace: dict[str, object] = {}
    exec(compile(spec.read_text(), str(spec), "exec"), namespace)
    build = namespace["filter_program"]
    assert callable(build)
    for machine in ("x86_64", "aarch64"):
        program = build(machine)
        assert program and len(program) < 256
        for position, (code, jt, jf, _) in enumerate(program):
            if code & 0x07 == 0x05:  # a jump: both targets inside the program
                assert position + 1 + max(jt, jf) < len(program)
        assert program[-1][0] == 0x06  # it ends in a return
    assert build("riscv64") is None


# ---------------------------------------------------------------------------------------------
# As a normal user: the same attacks, graded by a grader that runs as uid 65534 (nobody), in an
# interpreter and a copy of the grader that user can read. No cgroup can be made then (no
# delegated subtree): what that loses is declared below.

NOBODY = 65534
NOBODY_GAPS = {
    "fork_memory": PER_PROCESS,
    "fork_bomb": PER_PROCESS + ", and a normal user's processes are not counted per run",
}
DRIVER = """\
import json, os, sys, time
from pathlib import Path
import grader
from grader.run import launch
from grader.run.prefork import ForkServer
from grader.run.sandbox import Sandbox
problems, out = Path(sys.argv[1]), []
FOLDER, ME = os.fsencode(Path(sys.argv[2]).parent), os.getpid()

def stat(pid):  # state and parent
    raw = open(f"/proc/{pid}/stat", "rb").read()
    return raw[raw.rfind(b")") + 2 :].split()[:2]

def left():  # live processes of the folder that are not ours: what a run left behind
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if FOLDER not in open(f"/proc/{pid}/cmdline", "rb").read() or stat(pid)[0] == b"Z":
                continue
            up = pid
            while up not in ("0", "1", str(ME)):
                up = stat(up)[1].decode()
        except OSError:
            continue
        found += [] if up == str(ME) else [pid]
    return found

def settled(patience=3.0):  # what is left once the killed have had time to go
    deadline = time.monotonic() + patience
    while (found := left()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return len(found)
for mode in ("off", "on"):
    if mode == "on" and launch.bwrap_problem() is not None:
        continue
    with ForkServer(launch.resolve(mode)) as server:  # one per mode, as a batch job keeps
        for path in sorted(Path(sys.argv[2]).glob("*.py")):
            for _ in range(2 if path.stem == "leaves_a_message" else 1):
                result = grader.grade(path, "double", problems, Sandbox(server=server))
                shown = [c.detail.output for c in result.examples if c.detail]
                out.append({"mode": mode, "attack": path.stem,
                            "printed": result.output + "".join(shown),
                            "error": result.error and result.error.kind.value,
                            "isolation": result.isolation,
                            "per_process_only": result.per_process_only,
                            "left": settled()})
print(json.dumps(out))
"""


def _nobody_python() -> str | None:
    """A system interpreter of this minor version that any user may run, or None."""
    for candidate in (f"/usr/bin/python3.{sys.version_info.minor}", "/usr/bin/python3"):
        done = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True, text=True, check=False,
        ) if Path(candidate).exists() else None  # fmt: skip
        if done and done.stdout.strip() == str(tuple(sys.version_info[:2])):
            return candidate
    return None


def _copy_tree(source: Path, target: Path) -> None:
    """``source`` into ``target``, hard-linking files where it can (numpy is large)."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(
        source, target, copy_function=link, ignore=shutil.ignore_patterns("__pycache__")
    )


@pytest.fixture(scope="module")
def as_nobody(problems: Path) -> Iterator[dict[tuple[str, str], list[dict[str, object]]]]:
    """Every attack graded by a grader running as nobody, in process and bubblewrap mode."""
    python = _nobody_python()
    if not ROOT or python is None:
        pytest.skip("needs root (to become nobody) and a system Python of this version")
    import jinja2
    import markupsafe
    import numpy
    import yaml

    import grader

    folder = Path(f"/tmp/grader-nobody-{secrets.token_hex(6)}")  # reachable by nobody
    try:
        subprocess.run([python, "-m", "venv", "--without-pip", str(folder / "venv")], check=True)
        site = next((folder / "venv" / "lib").glob("python3*/site-packages"))
        for module in (grader, numpy, yaml, jinja2, markupsafe):
            package = Path(str(module.__file__)).parent
            _copy_tree(package, site / package.name)
        for extra in ("numpy.libs", "_yaml"):
            if (Path(str(numpy.__file__)).parent.parent / extra).is_dir():
                _copy_tree(Path(str(numpy.__file__)).parent.parent / extra, site / extra)
        _copy_tree(problems.parent, folder / "problem")
        attacks = folder / "attacks"
        attacks.mkdir()
        for name in ATTACKS:
            submission(name, attacks, 0x67730000 + 4 * ATTACKS.index(name), None)
        (folder / "driver.py").write_text(DRIVER)
        home = folder / "home"
        home.mkdir()
        subprocess.run(["chmod", "-R", "a+rX", str(folder)], check=True)
        home.chmod(0o777)
        done = subprocess.run(
            [str(folder / "venv" / "bin" / "python"), str(folder / "driver.py"),
             str(folder / "problem" / "problems"), str(attacks)],
            user=NOBODY, group=NOBODY, extra_groups=[], cwd=home, capture_output=True,
            text=True, timeout=300, check=False,
            env={"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(home)},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        runs: dict[tuple[str, str], list[dict[str, object]]] = {}
        for run in json.loads(done.stdout):
            runs.setdefault((run["mode"], run["attack"]), []).append(run)
        yield runs
        assert processes_with(folder) == [], "a process of the attacks is still running"
    finally:
        for key in range(0x67730000, 0x67730000 + 4 * len(ATTACKS), 4):
            clean_up_after(key)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    "mode", [pytest.param("off", id="process"), pytest.param("on", id="bubblewrap", marks=NO_BWRAP)]
)
@pytest.mark.parametrize("name", ATTACKS)
def test_as_a_normal_user(
    name: str, mode: str, as_nobody: dict[tuple[str, str], list[dict[str, object]]]
) -> None:
    last = as_nobody[(mode, name)][-1]
    printed = str(last["printed"])
    match = re.search(rf"^redteam {name}: (held|BROKEN)\b", printed, flags=re.M)
    got = "held" if match is None and last["error"] == "memory_limit" else match and match[1]
    assert got in expected(name, NOBODY_GAPS.get(name)), printed
    assert [run["left"] for run in as_nobody[(mode, name)]] == [0] * len(as_nobody[(mode, name)])
    assert "no container" in str(last["isolation"])  # and says what that loses:
    assert last["per_process_only"] == ["memory", "processes", "cpu time"]
    assert "own IPC, network and mount namespaces" in str(last["isolation"])
