"""A learner's workspace: a folder of starter files in course order, and its gradebook.

``grader start [DIR]`` writes one starter file per problem, numbered in course order
(``01_softmax.py``, ``02_log_softmax.py``, ...), and ``DIR/.grader/workspace.json``, which marks
the folder as a workspace and remembers which file belongs to which problem. Commands run
anywhere inside a workspace use its gradebook (``DIR/.grader/gradebook.sqlite``); elsewhere the
gradebook is ``.grader/gradebook.sqlite`` in the working directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.files import write_atomically
from grader.problem.catalog import Catalog, upwards

MARKER = Path(".grader") / "workspace.json"
GRADEBOOK = Path(".grader") / "gradebook.sqlite"
COMMANDS = ("watch {file}", "hint {id}", "submit {file}")


@dataclass(frozen=True)
class Started:
    problem: str
    path: Path
    created: bool  # False: the file was there already and was left alone


def find(cwd: Path | None = None) -> Path | None:
    """The workspace folder at or above ``cwd``, or None."""
    for folder in upwards(cwd or Path.cwd()):
        if (folder / MARKER).is_file():
            return folder
    return None


def gradebook(cwd: Path | None = None) -> Path:
    """The default gradebook: the workspace's, else ``.grader/gradebook.sqlite`` here."""
    root = find(cwd)
    return root / GRADEBOOK if root is not None else GRADEBOOK


def files(root: Path) -> dict[str, str]:
    """Problem id -> starter file name (relative to ``root``) recorded in the workspace."""
    try:
        data = json.loads((root / MARKER).read_text(encoding="utf-8"))
        recorded = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(recorded, dict):
        return {}
    # a plain file name, or the record (hand-edited, or unpacked from someone) is ignored for it
    return {
        str(k): str(v)
        for k, v in recorded.items()
        if Path(str(v)).name == str(v) not in ("", ".", "..")
    }


def start(directory: Path, catalog: Catalog) -> list[Started]:
    """Create (or complete) a workspace in ``directory``: a starter per problem, in course order.

    Files already there are never overwritten, so running it again only adds new problems.
    """
    from grader.problem.authoring import starter
    from grader.problem.spec import load_problem

    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} is not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MARKER).parent.mkdir(exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the workspace {directory}: {exc.strerror}") from None
    known = files(directory)
    width = max(2, len(str(len(catalog.order))))
    out = []
    try:
        for position, problem_id in enumerate(catalog.order, start=1):
            name = known.get(problem_id) or f"{position:0{width}d}_{problem_id}.py"
            path = directory / name
            created = not path.exists()
            if created:
                starter(load_problem(catalog.path(problem_id)), path, COMMANDS)
            known[problem_id] = name
            out.append(Started(problem_id, path, created))
        record = {"version": 1, "files": known}
        write_atomically(directory / MARKER, json.dumps(record, indent=2) + "\n")
    except OSError as exc:
        raise UsageError(f"cannot write the workspace {directory}: {exc.strerror}") from None
    return out


def starter_for(problem_id: str, cwd: Path | None = None) -> Path | None:
    """The learner's file for ``problem_id`` in the workspace around ``cwd``, if there is one."""
    root = find(cwd)
    if root is None:
        return None
    name = files(root).get(problem_id)
    return root / name if name else None


def render(started: list[Started], directory: Path) -> str:
    made = [s for s in started if s.created]
    width = max((len(s.path.name) for s in started), default=0)
    out = [f"Workspace {directory}: {len(made)} starter files created, in course order"]
    for s in started:
        out.append(f"  {s.path.name:<{width}}  {'new' if s.created else 'kept'}")
    if started:
        first, problem = started[0].path.name, started[0].problem
        steps = [
            (f"cd {directory}", ""),
            (f"grader watch {first}", "regrades on every save; Ctrl-C to stop"),
            (f"grader hint {problem}", "a hint when you are stuck"),
            (f"grader submit {first}", "records the attempt"),
            ("grader progress", "where you stand; grader next: what comes next"),
        ]
        width = max(len(command) for command, _ in steps)
        out += ["", "Next:"]
        out += [f"  {c:<{width}}  # {why}" if why else f"  {c}" for c, why in steps]
    return "\n".join(out) + "\n"
