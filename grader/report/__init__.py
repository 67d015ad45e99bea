"""Writers of a Result: ``text`` (terminal), ``html`` (a self-contained file), JSON."""

from __future__ import annotations

import json

from grader.score import Result


def to_json(result: Result) -> str:
    """Exactly one ``grader.result/1`` JSON document."""
    return json.dumps(result.document(), indent=2, ensure_ascii=False) + "\n"
