"""Problems as people browse and write them: ``grader list``, ``show``, ``new``.

``new`` scaffolds a spec whose comments teach the format, a reference with a generator, and a
known-verdict submission, for each kind of exercise (``templates``); once the reference is
written, ``grader check`` passes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from grader.errors import UsageError
from grader.problem import templates
from grader.problem.kinds import NO_DEFAULT, Argument
from grader.problem.schema import PROBLEM_ID
from grader.problem.spec import Problem


def new(problem_id: str, problems: Path, kind: str = "array") -> list[Path]:
    """Scaffold problem ``problem_id`` of ``kind`` (``templates.KINDS``) beside ``problems``;
    refuses to overwrite anything."""
    if not PROBLEM_ID.match(problem_id):
        raise UsageError(f"'{problem_id}' is not a valid problem id ({PROBLEM_ID.pattern})")
    if kind not in templates.KINDS:
        raise UsageError(f"unknown kind '{kind}' (kinds: {', '.join(templates.KINDS)})")
    reference = problems.parent / "reference"
    known, submission = templates.KNOWN[kind]
    files = {
        problems / f"{problem_id}.yaml": templates.SPECS[kind],
        reference / f"{problem_id}.py": templates.REFERENCES[kind],
        reference / problem_id / known: submission,
    }
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise UsageError(f"not overwriting {', '.join(existing)}")
    title = problem_id.replace("_", " ").capitalize()
    cls = "".join(part.capitalize() for part in problem_id.split("_"))
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(id=problem_id, title=title, cls=cls), encoding="utf-8")
    return list(files)


def starter(problem: Problem, path: Path, commands: tuple[str, ...] = ("grade {file}",)) -> None:
    """Write a starter file for ``problem`` at ``path``; refuses to overwrite.

    Its docstring lists ``commands`` to run (``{file}`` and ``{id}`` are filled in).
    """
    if path.exists():
        raise UsageError(f"not overwriting {path}")
    doc = textwrap.indent(problem.statement.strip(), "    ")
    params = _parameters(problem.arguments)
    run = "".join(f"    grader {c.format(file=path.name, id=problem.id)}\n" for c in commands)
    head = _docstring(f"{problem.title}: write {problem.entry_point} below, then run:\n\n{run}")
    head += "\n\n\n"
    about = "    " + _docstring(f"{problem.signature or problem.entry_point}\n\n{doc}\n    ") + "\n"
    if not problem.is_class:
        text = f"{head}def {problem.entry_point}({params}):\n{about}    ...\n"
        path.write_text(text, encoding="utf-8")
        return
    methods = "".join(
        f"\n    def {m.name}(self{', ' if m.arguments else ''}{_parameters(m.arguments)}):\n"
        "        ...\n"
        for m in problem.methods.values()
    )
    init = f"    def __init__(self{', ' if params else ''}{params}):\n        ...\n"
    text = f"{head}class {problem.entry_point}:\n{about}\n{init}{methods}"
    path.write_text(text, encoding="utf-8")


def _docstring(text: str) -> str:
    """``text`` as a raw docstring that compiles whatever the statement holds (LaTeX's
    backslashes stay as written; a triple quote of its own becomes three single quotes)."""
    quotes = '"' * 3
    return "r" + quotes + text.replace(quotes, "'" * 3) + quotes


def _parameters(arguments: Mapping[str, Argument]) -> str:
    """``x, mode='sum', *, eps=1e-05``: the declared arguments as a signature's parameters."""
    out: list[str] = []
    for name, argument in arguments.items():
        if argument.keyword and "*" not in out:
            out.append("*")
        default = "" if argument.default is NO_DEFAULT else f"={argument.default!r}"
        out.append(name + default)
    return ", ".join(out)
