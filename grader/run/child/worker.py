"""The child side of a run: import the submission, call it on each case's inputs, send back values.

Run as a script (``python -I worker.py --cmd-fd N --rec-fd M``, or ``--stdio`` in the portable
mode: commands on stdin, records on stdout) in a fresh process: it imports only the standard
library, numpy and its two siblings (``calls.py``: how a case is called; ``codec.py``: results
as typed trees and raw bytes), loaded by path, so it needs nothing from the grader's package at
run time. It never sees an expected value; it receives the call of one case at a time and answers
with what the submission returned, converted by ``codec``.

Protocol (both directions are byte streams on their own file descriptors):

* parent -> child, one JSON object per line: ``setup`` (source, entry point, the result's
  layout, limits), then ``case`` (index, call) any number of times, then ``finish``.
* child -> parent, records: a JSON header line, then for ``value`` records the JSON ``tree`` of
  the result and exactly ``nbytes`` of its arrays' raw little-endian data. Kinds: ``ready``,
  ``failed`` (the submission cannot be imported), ``value``, ``error`` (the call failed),
  ``done``.

The parent trusts none of it: it validates every record and never unpickles or evaluates data.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any


def _sibling(name: str) -> Any:
    """A module of this folder, loaded by path: the worker runs as a script, not a package."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_grader_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from grader.run.child import calls, codec
else:
    calls, codec = _sibling("calls"), _sibling("codec")
InvalidOutput = codec.InvalidOutput  # what a value that cannot be sent raises


def _short(value: object, limit: int = 200) -> str:
    try:
        text = str(value)
    except Exception:
        text = f"<unprintable {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# The run itself.


class Channel:
    def __init__(self, cmd_fd: int, rec_fd: int) -> None:
        self._cmd = os.fdopen(cmd_fd, "rb")
        self._rec = rec_fd

    def receive(self) -> dict[str, Any]:
        line = self._cmd.readline()
        if not line:
            os._exit(0)  # the parent went away: nothing left to do
        message: dict[str, Any] = json.loads(line)
        return message

    def send(self, header: dict[str, Any], payload: Sequence[memoryview] = ()) -> None:
        _flush_output()
        data = json.dumps(header, separators=(",", ":")).encode() + b"\n"
        self._write(memoryview(data))
        for chunk in payload:
            self._write(chunk)

    def _write(self, data: memoryview) -> None:
        while data:
            written = os.write(self._rec, data)
            data = data[written:]


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass


def _apply_limits(limits: Mapping[str, int]) -> list[str]:
    """Set the resource limits this system has; returns the names of those that do not hold.

    ``cpu`` is the soft limit (SIGXCPU); the hard one (SIGKILL) is a second later. Windows has
    no ``resource`` module: its launcher caps what it can, and the grader says what it cannot.
    """
    try:
        import resource
    except ImportError:
        return sorted(limits)
    unenforced = []
    for name, value in limits.items():
        which = getattr(resource, f"RLIMIT_{name.upper()}", None)
        if which is None:
            unenforced.append(name)
            continue
        soft, hard = (value, value + 1) if name == "cpu" else (value, value)
        try:
            _, current_hard = resource.getrlimit(which)
            if current_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, current_hard), min(hard, current_hard)
            resource.setrlimit(which, (soft, hard))
        except (OSError, ValueError):  # refused by the system
            unenforced.append(name)
    if sys.platform == "darwin" and "as" not in unenforced:
        unenforced.append("as")  # macOS takes RLIMIT_AS (an alias of RLIMIT_RSS), ignores it
    return unenforced


def _stdio_channels() -> tuple[int, int]:
    """The portable mode's channels: commands on stdin, records on stdout. Both move to new
    descriptors no child process inherits; stdin becomes empty and stdout joins stderr, the
    pipe of printed output, so what the submission prints cannot reach the record channel."""
    cmd_fd, rec_fd = os.dup(0), os.dup(1)
    empty = os.open(os.devnull, os.O_RDONLY)
    os.dup2(empty, 0)
    os.close(empty)
    os.dup2(2, 1)
    if sys.platform == "win32":  # processes the submission starts inherit the standard handles
        import ctypes
        import msvcrt

        kernel32 = ctypes.WinDLL("kernel32")
        kernel32.SetStdHandle.argtypes = [ctypes.c_uint32, ctypes.c_void_p]
        for fd, std in ((0, -10 & 0xFFFFFFFF), (1, -11 & 0xFFFFFFFF), (2, -12 & 0xFFFFFFFF)):
            kernel32.SetStdHandle(std, msvcrt.get_osfhandle(fd))
    return cmd_fd, rec_fd


# Landlock (Linux >= 5.13): an unprivileged process can give up file system access for itself and
# every process it starts. Rights of ABI 1-3, from ABI 4 TCP bind/connect, from ABI 6 signals.
_LL_EXECUTE, _LL_READ_FILE, _LL_READ_DIR = 1 << 0, 1 << 2, 1 << 3
_LL_FILE_RIGHTS = _LL_EXECUTE | 1 << 1 | _LL_READ_FILE | 1 << 14  # execute, write, read, truncate


def _landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where it has none."""
    import ctypes

    syscall = ctypes.CDLL(None, use_errno=True).syscall
    syscall.restype = ctypes.c_long
    return max(0, int(syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))))


def _landlock(read: list[str], write: list[str]) -> str | None:
    """Allow reading (and executing) only ``read``, writing only ``write``, connecting nowhere,
    signalling no process outside.

    Returns None once this process is restricted, else the reason it could not be.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    abi = _landlock_abi()
    if abi < 1:
        return "Landlock is not available on this kernel"
    handled = (1 << 13) - 1 | (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0)

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    # ABI 6: no signals to processes outside the sandbox (the grader, a fork server), and no
    # abstract Unix sockets outside it
    attr = RulesetAttr(handled, 0b11 if abi >= 4 else 0, 0b11 if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = syscall(444, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return f"Landlock refused a ruleset: {os.strerror(ctypes.get_errno())}"
    try:
        rules = [(p, _LL_EXECUTE | _LL_READ_FILE | _LL_READ_DIR) for p in read]
        for path, rights in [*rules, *((p, handled) for p in write)]:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            if not os.path.isdir(path):
                rights &= _LL_FILE_RIGHTS
            rule = PathBeneath(rights & handled, fd)
            done = syscall(445, ruleset, 1, ctypes.byref(rule), ctypes.c_uint32(0))
            os.close(fd)
            if done < 0:
                return f"Landlock refused a rule for {path}: {os.strerror(ctypes.get_errno())}"
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, required first
            return "cannot set no_new_privs"
        if syscall(446, ruleset, ctypes.c_uint32(0)) < 0:
            return f"Landlock refused to restrict: {os.strerror(ctypes.get_errno())}"
    finally:
        os.close(ruleset)
    return None


def _where(exc: BaseException, filename: str) -> int | None:
    """The line of the submission where ``exc`` happened (its innermost frame in that file)."""
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        return exc.lineno
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return lines[-1] if lines else None


def _describe(exc: BaseException, limit: int = 200) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({_short(exc.code, 60) if exc.code is not None else ''})"
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt"
    message = _short(exc, limit)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _import(channel: Channel, setup: Mapping[str, Any]) -> Any:
    """Execute the submission as module ``solution``; returns its entry point or reports why not."""
    filename, entry = setup["filename"], setup["entry_point"]
    module = types.ModuleType("solution")
    module.__file__ = filename
    sys.modules["solution"] = module
    sys.argv = [filename]
    try:
        code = compile(setup["source"], filename, "exec")
    except (SyntaxError, ValueError) as exc:
        line = exc.lineno if isinstance(exc, SyntaxError) else None
        return _failed(channel, "compile_error", _describe(exc, setup["max_message"]), line)
    try:
        exec(code, module.__dict__)
    except MemoryError as exc:
        message = "ran out of memory while the file was being imported"
        return _failed(channel, "memory_limit", message, _where(exc, filename))
    except BaseException as exc:
        message = _describe(exc) + " while the file was being imported"
        return _failed(channel, "import_error", message, _where(exc, filename))
    if entry not in module.__dict__:
        return _failed(channel, "missing_entry_point", f"no function named '{entry}' is defined")
    func = module.__dict__[entry]
    if not callable(func):
        message = f"'{entry}' is a value of type {type(func).__name__}, not a function"
        return _failed(channel, "not_callable", message)
    return func


def _failed(channel: Channel, error: str, message: str, line: int | None = None) -> None:
    """Report that the submission cannot be run; returns None, the entry point there is not."""
    channel.send({"kind": "failed", "error": error, "message": message, "line": line})


def _run_case(
    channel: Channel,
    func: Any,
    message: Mapping[str, Any],
    setup: Mapping[str, Any],
) -> None:
    index, filename = message["index"], setup["filename"]
    call = message["call"]
    layout = call.get("result", setup["result"])
    try:
        # a class's checked values are kept as they are produced: later calls may change them
        parts = layout.get("t", ()) if isinstance(layout, dict) else ()

        def keep(value: Any, position: int) -> Any:
            inner = parts[position] if position < len(parts) else "*"
            return codec.normalise(value, inner, copy=True)

        result = calls.invoke(func, call, keep)  # decoded for this call: fresh values
        tree, buffers, nbytes = codec.pack(codec.normalise(result, layout))
    except codec.InvalidOutput as exc:
        channel.send(
            {
                "kind": "error",
                "index": index,
                "verdict": "invalid_output",
                "message": str(exc),
                "line": None,
            }
        )
        return
    except MemoryError as exc:
        channel.send(
            {
                "kind": "error",
                "index": index,
                "verdict": "memory_limit",
                "message": "ran out of memory",
                "line": _where(exc, filename),
            }
        )
        return
    except BaseException as exc:
        channel.send(
            {
                "kind": "error",
                "index": index,
                "verdict": "runtime_error",
                "message": _describe(exc, setup["max_message"]),
                "line": _where(exc, filename),
                "type": type(exc).__name__,
            }
        )
        return
    channel.send({"kind": "value", "index": index, "tree": tree, "nbytes": nbytes}, buffers)


def main(argv: list[str]) -> None:
    if "--stdio" in argv:
        cmd_fd, rec_fd = _stdio_channels()
    else:
        cmd_fd = int(argv[argv.index("--cmd-fd") + 1])
        rec_fd = int(argv[argv.index("--rec-fd") + 1])
    channel = Channel(cmd_fd, rec_fd)
    setup = channel.receive()
    unenforced = _apply_limits(setup["limits"])
    fence = setup.get("landlock")
    landlock = _landlock(fence["read"], fence["write"]) if fence else "not asked for"
    func = _import(channel, setup)
    if func is None:
        os._exit(0)
    abi = _landlock_abi() if landlock is None else 0  # what is in force: the grader says it
    channel.send({"kind": "ready", "landlock": landlock, "abi": abi, "unenforced": unenforced})
    while True:
        message = channel.receive()
        if message["op"] == "finish":
            channel.send({"kind": "done"})
            os._exit(0)
        _run_case(channel, func, message, setup)


if __name__ == "__main__":
    main(sys.argv)
