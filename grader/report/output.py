"""What every file writer of the report stage shares: its Jinja2 templates, atomic writes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"


def template(name: str, filters: dict[str, Any] | None = None) -> Any:
    """The Jinja2 template ``templates/<name>``, with ``filters``: strict (an unknown name is
    an error), and HTML-escaping when ``name`` ends in ``.html.j2``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=name.endswith(".html.j2"),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(filters or {})
    return env.get_template(name)


def write_atomically(path: Path, *chunks: str | bytes | memoryview) -> None:
    """Write ``chunks`` (text as UTF-8) to ``path`` so that a reader never sees half a file,
    and never through a link someone else planted: the data goes to a new file of a random
    name created beside ``path`` (``O_CREAT | O_EXCL``, which refuses any existing name, a
    symbolic link included), which then replaces ``path`` itself (a link there is replaced,
    not followed). Raises OSError; nothing is left behind then."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk.encode() if isinstance(chunk, str) else chunk)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
