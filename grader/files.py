"""Files the grader writes: atomically, and never through a link someone else planted; the
names of files it reads, as text any report can hold.

A leaf like ``errors``: every stage and the orchestrators may use it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, *chunks: str | bytes | memoryview) -> None:
    """Write ``chunks`` (text as UTF-8) to ``path`` so that a reader never sees half a file,
    and never through a link someone else planted: the data goes to a new file of a random
    name created beside ``path`` (``O_CREAT | O_EXCL``, which refuses any existing name, a
    symbolic link included), which then replaces ``path`` itself (a link there is replaced,
    not followed). Raises OSError; nothing is left behind then."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes 0600; a report is as readable as any file
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                # text holding what a name may hold (``shown`` missed nothing, but a report
                # must never fail on it)
                if isinstance(chunk, str):
                    chunk = chunk.encode(errors="backslashreplace")
                out.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def shown(name: str | Path, apart: bool = False) -> str:
    """A file name or path as text any report, CSV, terminal or the gradebook can hold: bytes
    that are not UTF-8 (a learner's file name may hold any), control, format and line-breaking
    characters (escape sequences, a right-to-left override) appear as ``\\xff``-style escapes.
    With ``apart`` (a name that identifies a learner) a backslash that is not the path
    separator is escaped too, so that two names never show alike."""
    import unicodedata

    out = []
    for ch in os.fsencode(name).decode("utf-8", "surrogateescape"):
        if 0xDC80 <= ord(ch) <= 0xDCFF:  # a byte that is not UTF-8
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch == "\\" and apart and os.sep != "\\":
            out.append("\\\\")
        elif unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
            out.append(ascii(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


@functools.cache
def _umask() -> int:
    """The process's umask (read by setting it, once, before any thread writes a file)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
