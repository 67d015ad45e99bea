"""What every writer of the report stage shares: its Jinja2 templates."""

from __future__ import annotations

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
