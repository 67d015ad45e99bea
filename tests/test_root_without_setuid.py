"""Root that may not switch to a dedicated uid: a container that dropped CAP_SETUID and CAP_SETGID,
or a user namespace (a rootless container) that does not map the uids. Its workers run as uid 0
without any capability; the grade must still work, and what it reports must be true: what
Landlock holds, and what nothing holds without it (root's files and processes, the container).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.run import capabilities, container, held

PROBLEMS = Path(__file__).parent / "hostile" / "problem" / "problems"
ROOT = os.geteuid() == 0
PER_PROCESS = ["memory", "processes", "cpu time"]
SOLUTION = "def double(x):\n    return [2 * v for v in x]\n"


@pytest.mark.parametrize(
    ("text", "maps"),
    [
        ("         0          0 4294967295\n", True),  # the initial namespace
        ("         0          0          1\n", False),  # unshare -U --map-user=0
        ("0 1000 1\n1 100000 65536\n", False),  # a rootless container (podman)
        ("0 0 1999000500\n1999000500 7 500\n", True),  # two ranges that cover it together
        ("0 0 1999000500\n1999000600 7 400\n", False),  # a hole in it
        ("", False),  # no mapping written yet
        ("0 0 x\n", False),
    ],
)
def test_the_dedicated_uids_must_be_mapped(text: str, maps: bool) -> None:
    assert capabilities.maps(text, 1999000000, 1000) is maps


@pytest.mark.skipif(not ROOT, reason="as a normal user there is no uid to switch to")
def test_this_root_may_switch() -> None:
    mapped = Path("/proc/self/uid_map").read_text()
    expected = capabilities.maps(mapped, container.UID_BASE, container.UID_SLOTS)
    assert capabilities.can_switch_uid(container.UID_BASE, container.UID_SLOTS) is expected
    assert not capabilities.can_switch_uid(2**32 - 10, 1000)  # never mapped


def _grade(tmp_path: Path, wrapper: list[str], landlock: bool = True) -> dict[str, object]:
    """Grade ``tmp_path/solution.py`` in process mode in a grader started under ``wrapper``;
    ``landlock`` False: as on a kernel without it."""
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import json, os, sys\n"
        "from grader.run import sandbox\n"
        "if sys.argv[1] == 'off':\n"
        "    sandbox.launch.fence = lambda mode, work: None\n"
        "from grader.pipeline import grade\n"
        "source = open(sys.argv[2]).read().replace('GRADER_PID', str(os.getpid()))\n"
        "open(sys.argv[2], 'w').write(source)\n"
        f"r = grade(sys.argv[2], 'double', {str(PROBLEMS)!r}, 'off')\n"
        "print(json.dumps({'status': r.status.value, 'error': r.error and r.error.message,\n"
        "    'output': r.output, 'isolation': r.isolation,\n"
        "    'per_process_only': list(r.per_process_only)}))\n"
    )
    done = subprocess.run(
        [*wrapper, sys.executable, str(driver), "on" if landlock else "off",
         str(tmp_path / "solution.py")],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    assert not list(Path(os.environ["TMPDIR"]).glob("grader-*")), "a run folder was left behind"
    return result


@pytest.mark.skipif(not ROOT or not shutil.which("unshare"), reason="needs root and unshare")
def test_root_in_a_user_namespace_that_maps_only_root_grades(tmp_path: Path) -> None:
    (tmp_path / "solution.py").write_text(SOLUTION)
    wrapper = ["unshare", "-U", "--map-user=0", "--map-group=0"]
    result = _grade(tmp_path, wrapper)
    assert result["status"] == "accepted", result["error"]
    assert "uid 0," in str(result["isolation"])
    assert "no uid of its own" in str(result["isolation"])


ATTACKS = """import os
said = []
try:
    os.kill(GRADER_PID, 0)
    said.append("signalled the grader")
except OSError:
    pass
try:  # denied even so: the grader holds capabilities the worker has not (commoncap)
    open(f"/proc/{GRADER_PID}/mem", "rb").close()
    said.append("opened the grader's memory")
except OSError:
    pass
try:
    open("/etc/shadow").read(1)
    said.append("read /etc/shadow")
except OSError:
    pass
for hierarchy in ("pids", "memory", "unified"):
    try:  # opened for writing, not written: it could leave its container, and stays in it
        open(f"/sys/fs/cgroup/{hierarchy}/cgroup.procs", "a").close()
        said.append(f"could leave its container ({hierarchy})")
    except OSError:
        pass
print("reached:", "; ".join(said) or "nothing")

def double(x):
    return [2 * v for v in x]
"""


@pytest.mark.skipif(not ROOT or not shutil.which("setpriv"), reason="needs root and setpriv")
@pytest.mark.parametrize("landlock", [True, False], ids=["landlock", "no-landlock"])
def test_root_without_setuid_reports_what_holds(tmp_path: Path, landlock: bool) -> None:
    (tmp_path / "solution.py").write_text(ATTACKS)
    result = _grade(tmp_path, ["setpriv", "--bounding-set=-setuid,-setgid"], landlock)
    isolation, output = str(result["isolation"]), str(result["output"])
    assert result["status"] == "accepted", result["error"]
    assert "uid 0," in isolation and "no uid of its own" in isolation
    assert "opened the grader's memory" not in output
    if landlock:
        assert "reached: nothing" in output
        assert "keeps root's files, processes and container out of reach" in isolation
        assert "NOT HELD" not in isolation
        assert result["per_process_only"] == []
    else:  # it reached them: the report must say so, and what the container cannot promise
        assert "signalled the grader" in output and "read /etc/shadow" in output
        assert "could leave its container" in output
        assert "NOT HELD: root's files and processes are within its reach" in isolation
        assert "it can leave its container" in isolation
        assert result["per_process_only"] == ["memory", "processes", "cpu time"]


@pytest.mark.parametrize(
    ("landlock", "abi", "not_held", "per_process"),
    [
        (None, 7, None, []),
        (None, 5, "NOT HELD: it can signal root's processes", []),
        ("Landlock is not available on this kernel", 0, "NOT HELD: root's files", PER_PROCESS),
    ],
)
def test_what_a_uid_0_worker_reaches_is_said_by_the_landlock_abi(
    landlock: str | None, abi: int, not_held: str | None, per_process: list[str]
) -> None:
    confined: dict[str, object] = {"uid": 0, "seccomp": "seccomp", "tmpfs": 64 << 20}
    text = held.describe("process", landlock, abi, frozenset(), confined, "container: cgroup v1")
    assert "uid 0," in text and "no uid of its own" in text
    assert (not_held in text) if not_held else ("NOT HELD" not in text)
    assert list(held.per_process_only(confined, True, landlock)) == per_process
    dedicated = {**confined, "uid": 1999000001}  # a uid of its own: nothing of the above
    assert "NOT HELD" not in held.describe("process", landlock, abi, frozenset(), dedicated)
    assert held.per_process_only(dedicated, True, landlock) == ()
