"""Files the grader writes: atomically, and never through a link someone else planted.

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
                out.write(chunk.encode() if isinstance(chunk, str) else chunk)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@functools.cache
def _umask() -> int:
    """The process's umask (read by setting it, once, before any thread writes a file)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
