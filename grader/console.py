"""The terminal: text that always gets out, and colour only where it shows.

The reports use a few characters beyond ASCII (✓ ✗ · …). A console or pipe whose encoding cannot
hold them (Windows code pages, a POSIX ``C`` locale without UTF-8) must not turn a grade into an
internal error: ``prepare`` makes files and pipes UTF-8 (the JSON, Markdown and JUnit documents
say they are) and has a terminal replace what it cannot show.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import sys
from typing import TextIO


def prepare(*streams: TextIO) -> None:
    """Make ``streams`` (stdout, stderr) safe for any text: see the module's docstring.

    A stream already UTF-8 is left alone; so is the encoding the user chose with
    ``PYTHONIOENCODING`` (only unencodable characters are then replaced).
    """
    for stream in streams:
        if not isinstance(stream, io.TextIOWrapper):
            continue  # replaced by a caller (a test, a notebook): theirs to decide
        if _is_utf8(stream.encoding):
            continue
        if stream.isatty() or os.environ.get("PYTHONIOENCODING"):
            stream.reconfigure(errors="replace")
        else:
            with contextlib.suppress(ValueError):  # a stream already written to stays as is
                stream.reconfigure(encoding="utf-8", errors="replace")


def use_colour(stream: TextIO) -> bool:
    """Colour on a terminal that shows it, unless ``NO_COLOR`` is set or ``TERM=dumb``."""
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    try:
        if not stream.isatty():
            return False
    except ValueError:  # closed
        return False
    if sys.platform == "win32":
        return _windows_ansi(stream)
    return True


def _is_utf8(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "ascii").name == "utf-8"
    except LookupError:
        return False


def _windows_ansi(stream: TextIO) -> bool:
    """Turn on ANSI escape sequences for a Windows console (10 and later); False if it cannot."""
    if sys.platform == "win32":
        import ctypes
        import msvcrt

        enable_virtual_terminal_processing = 0x0004
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.GetConsoleMode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32)]
        kernel32.SetConsoleMode.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        try:
            handle = msvcrt.get_osfhandle(stream.fileno())
        except (OSError, ValueError):
            return False
        mode = ctypes.c_uint32()
        if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
            return False
        if mode.value & enable_virtual_terminal_processing:
            return True
        return bool(
            kernel32.SetConsoleMode(handle, mode.value | enable_virtual_terminal_processing)
        )
    return False
