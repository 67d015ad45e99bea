"""A class folder's learners: who submitted which file, and who cannot be graded, and why.

One entry per learner: ``<learner>.py``, ``<learner>.ipynb``, or a folder ``<learner>/`` holding
one solution file. A symbolic link is never followed: it could point at another learner's file,
the reference or a secret of the machine.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.files import shown

SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class Found:
    """A learner's submission in the batch folder, or why there is none to grade."""

    learner: str
    path: Path | None
    problem: str = ""  # why the learner cannot be graded, when path is None


def roster(folder: Path) -> list[Found]:
    """One entry per learner: ``<learner>.py``, ``<learner>.ipynb`` or a folder ``<learner>/``
    holding one solution file (``solution.py`` wins when there are several).

    A symbolic link is never followed (it could point at another learner's file, the reference
    or a secret of the machine): the learner is not graded, with the reason.
    """
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder of submissions")
    found: dict[str, list[Path]] = {}
    links: dict[str, str] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        learner = shown(entry.stem if entry.suffix in SUFFIXES else entry.name, apart=True)
        if entry.is_symlink():
            links[learner] = f"{shown(entry.name)} is a symbolic link, which is not graded"
        elif entry.is_dir():
            files = [
                p for p in entry.iterdir() if p.suffix in SUFFIXES and not p.name.startswith(".")
            ]
            if linked := sorted(shown(p.name) for p in files if p.is_symlink()):
                links[learner] = (
                    f"{shown(entry.name)}/{linked[0]} is a symbolic link, which is not graded"
                )
                continue
            chosen = pick_solution(sorted(p for p in files if p.is_file()))
            found.setdefault(shown(entry.name, apart=True), []).append(chosen or entry)
        elif entry.suffix in SUFFIXES and entry.is_file():
            found.setdefault(shown(entry.stem, apart=True), []).append(entry)
    out = [Found(learner, None, why) for learner, why in links.items() if learner not in found]
    for learner, paths in sorted(found.items()):
        if learner in links:
            out.append(Found(learner, None, links[learner]))
        elif len(paths) > 1:
            names = ", ".join(shown(p.name) for p in paths)
            out.append(Found(learner, None, f"more than one submission ({names})"))
        elif paths[0].is_dir():
            listed = sorted(shown(p.name) for p in paths[0].iterdir() if p.suffix in SUFFIXES)
            reason = (
                f"several solution files ({', '.join(listed)})" if listed else "no .py or .ipynb"
            )
            out.append(Found(learner, None, f"{shown(paths[0].name)}/ holds {reason}"))
        else:
            out.append(Found(learner, paths[0]))
    return sorted(out, key=lambda f: f.learner)


def pick_solution(files: Sequence[Path]) -> Path | None:
    """The solution among a learner's files: the only one, else ``solution.*``; None when that
    does not decide. (Gradescope's ``run_autograder`` uses the same rule.)"""
    preferred = [p for p in files if p.stem == "solution"]
    choice = preferred or list(files)
    return choice[0] if len(choice) == 1 else None


def read_plain(path: Path) -> bytes:
    """The bytes of ``path``, refusing a symbolic link at the last step (``O_NOFOLLOW``), so a
    file swapped for a link after the roster was made is not read either. Raises OSError."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)  # Windows: no CRLF translation of the bytes
    fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        return file.read()
