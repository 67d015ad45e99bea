"""How a worker process is started: the isolation mode, its command line, and what is left behind.

Three modes (``--sandbox auto|on|off|portable``):

* ``bubblewrap``: the worker runs under ``bwrap`` in new user, PID, network, IPC and UTS
  namespaces, as uid 65534, dying with its parent, seeing read-only only what it needs (the
  interpreter, its libraries and site-packages, and the worker script) plus its own working
  directory; no problems, no reference, no home directory, no network.
* ``process``: a plain child process in its own session, with the same limits and environment but
  the file system of the user running the grader (narrowed by Landlock where the kernel has it).
* ``portable`` (``portable.py``): what holds on any system Python runs on; the only mode on macOS
  and Windows.

``auto`` picks bubblewrap where it works (probed once per process), else process where Linux's
process mechanisms are there (``capabilities.linux_processes``), else portable; ``on`` insists on
bubblewrap; ``off`` is process, or portable where process cannot run. In the Linux modes every
worker is forked by a fork server (``prefork``), which this module starts: the server is the
child subreaper of the submission's processes and the one that ends them; the grader only ever
starts and ends the server.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

from grader.errors import UsageError
from grader.model import SANDBOX_MODES
from grader.problem.catalog import SHIPPED
from grader.run import capabilities
from grader.run.capabilities import BWRAP_ISOLATE
from grader.run.capabilities import bwrap_problem as bwrap_problem

WORKER = Path(__file__).resolve().parent / "child" / "worker.py"
FORKSERVER = WORKER.with_name("forkserver.py")
PACK = SHIPPED  # the shipped problems and references: never in a worker's sight
# everything of the child's folder the fork server loads (by path: it runs as a script)
CHILD_CODE = (
    WORKER,
    FORKSERVER,
    WORKER.with_name("calls.py"),
    WORKER.with_name("codec.py"),
    WORKER.with_name("confine.py"),
    WORKER.with_name("server.py"),
)
INSIDE = "/grader"  # where the working directory and the worker appear inside bubblewrap
MODES = SANDBOX_MODES  # what may be asked for (--sandbox)


class SandboxChanged(Exception):
    """Bubblewrap was remembered as working here and no longer does (the message says why):
    the probe's answer is corrected, so resolving the mode again picks what works now."""


def assume(problem: str | None, correct: Callable[[str | None], None]) -> None:
    """Take ``problem`` as the probe's answer (None: bubblewrap works), found out earlier;
    ``correct`` hears the real answer if bubblewrap then fails to start (``recheck``)."""
    capabilities.bwrap_probe().assume(problem, correct)


def recheck() -> None:
    """After a bubblewrap worker failed to start: raise SandboxChanged if the remembered
    answer was wrong; return if the failure has another cause."""
    problem = capabilities.bwrap_probe().recheck()
    if problem is not None:
        raise SandboxChanged(f"bubblewrap was remembered as working here, but {problem}")


def probe_key() -> str | None:
    """What decides the probe's answer, hashed (``capabilities.bwrap_probe_key``); None where
    there is nothing to remember."""
    return capabilities.bwrap_probe_key()


def resolve(requested: str) -> str:
    """``auto|on|off|portable`` -> ``bubblewrap|process|portable``.

    ``on`` without bubblewrap is a UsageError that says why.
    """
    if requested not in MODES:
        raise ValueError(f"unknown sandbox mode {requested!r}; one of {', '.join(MODES)}")
    if requested == "portable":
        return "portable"
    linux = capabilities.linux_processes() is None
    if requested == "off":
        return "process" if linux else "portable"
    problem = bwrap_problem()
    if problem is None:
        return "bubblewrap"
    if requested == "on":
        fallback = "process isolation" if linux else "the portable mode"
        raise UsageError(f"--sandbox on: {problem}; use --sandbox auto to fall back to {fallback}")
    return "process" if linux else "portable"


def environment(home: str) -> dict[str, str]:
    """The whole environment of the worker: nothing of the grader's is passed on."""
    env = {
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if sys.platform == "win32":  # Windows and its DLLs need to know where Windows is
        root = os.environ.get("SYSTEMROOT", r"C:\Windows")
        env.update(
            SYSTEMROOT=root,
            PATH=rf"{root}\System32;{root}",
            TEMP=home,
            TMP=home,
            USERPROFILE=home,
        )
    else:
        env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    return env


def search_path() -> list[str]:
    """Where the fork server imports from: this interpreter's standard library and
    site-packages (the user's, where Python reads it), the folders their .pth files added and
    numpy's, in ``sys.path``'s order; never the grader's working directory, script folder or
    ``PYTHONPATH`` (a module there could shadow one the worker imports), and only what a worker
    may read."""
    trusted, stdlib = _installed(), _stdlib()
    unwanted = _callers_folders()
    chosen = [
        p
        for p in dict.fromkeys(sys.path)
        if p and (p in trusted or _beneath(p, stdlib) or not _beneath(p, unwanted))
    ]
    chosen += [p for p in trusted if p not in chosen]  # site-packages, where -S left them out
    allowed = [Path(p) for p in readable_paths()]
    return [
        p for p in chosen if os.path.isdir(p) and any(Path(p).is_relative_to(a) for a in allowed)
    ]


def _stdlib() -> list[str]:
    """The standard library's folders (the base interpreter's, for a virtual environment)."""
    base = {"installed_base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    return [sysconfig.get_path("stdlib", vars=base), sysconfig.get_path("platstdlib", vars=base)]


def _installed() -> list[str]:
    """Where packages are installed, the user's site-packages where Python reads it, and the
    folder numpy comes from."""
    found = [*site.getsitepackages(), *_numpy_folder()]
    if site.ENABLE_USER_SITE and site.getusersitepackages() in sys.path:
        found.append(site.getusersitepackages())
    return found


def _callers_folders() -> list[str]:
    """What the grader's caller put on ``sys.path``: the working directory, the script's folder
    (``sys.path[0]``: the working directory under ``python -m``, a venv's bin for a console
    script) and ``PYTHONPATH``."""
    folders = [os.getcwd()]
    if sys.path and not sys.flags.safe_path:
        folders.append(sys.path[0] or os.getcwd())
    if not sys.flags.ignore_environment:
        folders += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return folders


def _beneath(path: str, folders: list[str]) -> bool:
    """Whether ``path`` is one of ``folders`` or inside one (``/`` holds only itself: a working
    directory of ``/`` does not make the whole system the caller's)."""
    real = os.path.realpath(path)
    tops = [os.path.realpath(f) for f in folders]
    return any(real == top or (top != "/" and real.startswith(top + os.sep)) for top in tops)


def readable_paths() -> list[str]:
    """What the worker must be able to read: the interpreter, its libraries, site-packages
    (the user's too, where Python reads it) and the folder numpy is imported from, wherever a
    .pth file put it."""
    paths = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        str(Path(sys.executable).resolve().parent),
        *site.getsitepackages(),
        *_numpy_folder(),
    }
    if site.ENABLE_USER_SITE and site.getusersitepackages() in sys.path:
        paths.add(site.getusersitepackages())
    for system in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/etc/ld.so.cache"):
        paths.add(system)
    return sorted(p for p in paths if os.path.exists(p))


@functools.cache
def _numpy_folder() -> tuple[str, ...]:
    """The entry of ``sys.path`` numpy comes from (found, not imported), if any."""
    import importlib.util

    found = importlib.util.find_spec("numpy")
    if found is None or found.origin is None:
        return ()
    return (str(Path(found.origin).parent.parent),)


def command(
    mode: str,
    workdir: Path,
    script: Path,
    fds: dict[str, int],
    extra: tuple[str, ...] = (),
    binds: tuple[tuple[str, str], ...] = (),
) -> list[str]:
    """The argv that runs ``script`` (the fork server) in ``workdir``.

    ``fds`` become ``--name N`` options: the descriptors passed on to the script; ``extra``
    options follow them. ``binds``: (outside, inside) files or folders bubblewrap also binds,
    writable.
    """
    options = [str(x) for name, fd in fds.items() for x in (f"--{name}", fd)] + list(extra)
    # -S: no ``site`` (its .pth files cost a start tens of milliseconds); the server puts the
    # interpreter's own package folders (``search_path``) on its path instead
    python = [sys.executable, "-I", "-S"]
    if mode == "process":
        return [*python, str(script), *options]
    argv = [
        shutil.which("bwrap") or "bwrap",
        *BWRAP_ISOLATE,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
    ]
    for path in readable_paths():
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        else:
            argv += ["--ro-bind", path, path]
    if PACK.is_dir() and any(PACK.is_relative_to(p) for p in readable_paths()):
        argv += ["--tmpfs", str(PACK)]  # an installed grader's problems stay out of sight
    for code in CHILD_CODE:
        argv += ["--ro-bind", str(code), f"{INSIDE}/{code.name}"]
    cached = WORKER.parent / "__pycache__"  # the modules the server loads, compiled already
    if cached.is_dir():
        argv += ["--ro-bind", str(cached), f"{INSIDE}/__pycache__"]
    for outside, inside_path in binds:
        argv += ["--bind", outside, inside_path]
    argv += ["--bind", str(workdir), f"{INSIDE}/work", "--chdir", f"{INSIDE}/work", "--"]
    return [*argv, *python, f"{INSIDE}/{script.name}", *options]


def inside(mode: str, workdir: Path) -> str:
    """``workdir`` as the isolated process sees it."""
    return f"{INSIDE}/work" if mode == "bubblewrap" else str(workdir)


def start(
    mode: str,
    workdir: Path,
    script: Path,
    fds: dict[str, int],
    output: int | None = None,
    options: list[str] | None = None,
    binds: list[tuple[str, str]] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``script`` isolated in ``mode``, in its own session, passing it ``fds`` and
    ``options`` (and, under bubblewrap, ``binds``); what it prints goes to ``output`` (default:
    nowhere). ``stop`` ends it."""
    out = subprocess.DEVNULL if output is None else output
    return subprocess.Popen(
        command(mode, workdir, script, fds, tuple(options or ()), tuple(binds or ())),
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=out,
        pass_fds=tuple(fds.values()),
        cwd=workdir,
        env=environment(inside(mode, workdir)),
        start_new_session=True,
        close_fds=True,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill a process ``start`` started and its session (its own: nothing else is in it), and
    reap it."""
    if proc.poll() is None:  # once reaped, its group id may belong to someone else
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.kill()
    proc.wait()


def fence(mode: str, work: str) -> dict[str, list[str]] | None:
    """What Landlock lets the worker touch: read the interpreter, write ``work`` (as it sees it)
    and ``.``: the fork server may have put it in ``/tmp`` instead, when the run's tmpfs covers
    ``/tmp`` and with it the job's folder that holds ``work`` (``confine.mount_run``).

    None in the portable mode, which does not use Landlock.
    """
    if mode == "portable":
        return None
    code = [f"{INSIDE}/{WORKER.name}"] if mode == "bubblewrap" else [str(WORKER)]
    return {"read": [*_readable(), *code], "write": [work, ".", "/dev/null"]}


@functools.cache
def _readable() -> tuple[str, ...]:
    """What any worker may read, less the shipped pack: the same for every run of a process."""
    return tuple(_without(readable_paths(), PACK))


def _without(paths: list[str], hidden: Path) -> list[str]:
    """``paths`` with ``hidden`` carved out: a path holding it is replaced by its entries (down
    to ``hidden``'s parent), since Landlock can allow a tree but not deny part of it. Paths are
    compared resolved: a venv's ``lib64 -> lib`` would otherwise open the whole tree."""
    out: list[str] = []
    for path in paths:
        root = Path(path).resolve()
        if root.is_relative_to(hidden):
            continue
        if not hidden.is_relative_to(root):
            out.append(path)
            continue
        try:
            entries = sorted(root.iterdir())
        except OSError:
            continue
        out += _without([str(e) for e in entries], hidden)
    return out
