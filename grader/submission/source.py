"""Submissions: the learner's file read once, hashed, parsed (never executed) in the grader.

Parsing finds a syntax error without starting a process and tells which known entry points the
file defines, so ``--problem`` can be omitted. The bytes hashed are the bytes that run.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import opcode
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import CodeType

from grader.errors import UsageError
from grader.files import shown
from grader.model import ErrorKind, SubmissionError
from grader.submission.notebook import NotANotebook, Script, convert


@dataclass(frozen=True)
class Submission:
    path: Path
    display: str  # the path as the learner gave it
    source: str
    sha256: str
    names: Mapping[str, int]  # top-level name -> line that defines it (best effort)
    syntax_error: tuple[str, int | None] | None  # (message, line)
    helpers: frozenset[str] = frozenset()  # top-level names used inside its functions
    script: Script | None = None  # set for a notebook: its cells, and what was dropped

    def where(self, line: int) -> str:
        """A line of the source in the learner's terms: ``line 12``, or ``cell 3, line 2``.

        A line the file does not have (code compiled at run time under the file's name can
        claim any) is not shown: it could carry a hidden case's data out."""
        if not 1 <= line <= self.source.count("\n") + 1:
            return "a line outside the file"
        return self.script.where(line) if self.script else f"line {line}"

    @property
    def notes(self) -> tuple[str, ...]:
        return self.script.notes if self.script else ()


MAX_SOURCE = 1 << 20  # bytes of Python a submission may hold (a notebook: of its code cells)
MAX_NOTEBOOK = 16 << 20  # bytes of a notebook file (outputs and images included)


def read_submission(path: Path) -> Submission:
    """Read and parse ``path``; an unreadable file is a UsageError, bad code is not.

    The grader's own memory stays bounded whatever the file: past ``MAX_SOURCE`` of code (or
    ``MAX_NOTEBOOK`` of notebook) the file is not parsed, and the submission is a compile error.
    """
    limit = MAX_NOTEBOOK if path.suffix == ".ipynb" else MAX_SOURCE
    try:
        with path.open("rb") as file:
            data = file.read(limit + 1)
            if len(data) > limit:
                digest = hashlib.sha256(data)
                while chunk := file.read(1 << 20):
                    digest.update(chunk)
                message = f"the file is larger than {limit >> 20} MiB: not a solution to grade"
                return Submission(path, shown(path), "", digest.hexdigest(), {}, (message, None))
    except FileNotFoundError:
        raise UsageError(f"no such file: {shown(path)}") from None
    except IsADirectoryError:
        raise UsageError(f"{shown(path)} is a directory; pass the solution file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {shown(path)}: {exc.strerror}") from None
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        source = data.decode("utf-8-sig")  # a byte-order mark (Windows editors) is not code
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return Submission(path, shown(path), "", sha256, {}, ("the file is not UTF-8 text", line))
    script = None
    if path.suffix == ".ipynb":
        try:
            script = convert(source)
        except NotANotebook as exc:
            return Submission(path, shown(path), "", sha256, {}, (str(exc), None))
        source = script.source
        if len(source.encode()) > MAX_SOURCE:
            message = f"the notebook's code is larger than {MAX_SOURCE >> 20} MiB"
            return Submission(path, shown(path), "", sha256, {}, (message, None))
    else:
        source = source.replace("\r\n", "\n").replace("\r", "\n")  # as Python reads a file
    names, error, helpers = _parse(source)
    if error is not None and script is not None and error[1] is not None:
        error = (f"{error[0]} ({script.where(error[1])})", None)
    return Submission(path, shown(path), source, sha256, names, error, helpers, script)


def _parse(
    source: str,
) -> tuple[dict[str, int], tuple[str, int | None] | None, frozenset[str]]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        found = {
            m[1]: source.count("\n", 0, m.start()) + 1
            for m in re.finditer(r"^def\s+([A-Za-z_]\w*)", source, flags=re.M)
        }
        return found, (f"SyntaxError: {exc.msg}", exc.lineno), frozenset()
    except (RecursionError, MemoryError, ValueError) as exc:
        return {}, (f"the file cannot be compiled: {type(exc).__name__}", None), frozenset()
    names: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node.lineno
        elif isinstance(node, ast.Assign):
            names.update((t.id, node.lineno) for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node.lineno
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(((a.asname or a.name).split(".")[0], node.lineno) for a in node.names)
    return names, None, _helpers(tree)


def _helpers(tree: ast.Module) -> frozenset[str]:
    """Names used inside the file's top-level functions (the functions they call)."""
    used = {
        n.id
        for f in tree.body
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        for n in ast.walk(f)
        if isinstance(n, ast.Name) and n.id != f.name
    }
    return frozenset(used)


NEAR = 0.8  # similarity (difflib ratio) from which a name is a misspelling of an entry point
NUMBERED = re.compile(r"^\d+[_-]")  # the course-order prefix of a workspace file: 03_softmax.py


def named_problem(path: Path) -> str:
    """The problem id a file's name gives: ``03_softmax_jacobian.py`` -> ``softmax_jacobian``."""
    return NUMBERED.sub("", path.stem)


def detect_problem(submission: Submission, entry_points: Mapping[str, str]) -> str:
    """The problem ``submission`` is for, when nothing but one answer is possible.

    The candidates are the problems whose entry point the file defines, and those whose entry
    point it misspells (``softmax_jacobain``; a private ``_name`` or a helper the file's own
    functions use is not a misspelling). A file named after a problem (``softmax_jacobian.py``,
    or ``03_softmax_jacobian.py`` as ``grader start`` names it) is that problem when it is among
    the candidates or there are none. Otherwise exactly one candidate is the answer, and none or
    several is a UsageError that names them and asks for ``--problem``: a file defining
    ``softmax`` and ``softmax_jacobain`` is not guessed.
    """
    named = named_problem(submission.path)
    defined = {pid: entry for pid, entry in entry_points.items() if entry in submission.names}
    near: dict[str, str] = {}  # problem -> the misspelt name
    known = set(entry_points.values())
    for name in submission.names:
        if name in known or name.startswith("_") or name in submission.helpers:
            continue
        ratios = {
            pid: difflib.SequenceMatcher(None, entry, name).ratio()
            for pid, entry in entry_points.items()
            if pid not in defined
        }
        best = max(ratios.values(), default=0.0)
        if best >= NEAR:
            near.update((pid, name) for pid, r in ratios.items() if r == best)
    candidates = sorted({*defined, *near})
    if named in entry_points and (not candidates or named in candidates):
        return named
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        listed = ", ".join(f"{e} ({p})" for p, e in sorted(entry_points.items())) or "none"
        raise UsageError(
            f"{submission.display} defines no known entry point (known: {listed}); "
            "pass --problem ID"
        )
    described = [
        f"{defined[pid]} (problem {pid})"
        if pid in defined
        else f"{near[pid]}, close to {entry_points[pid]} (problem {pid})"
        for pid in candidates
    ]
    raise UsageError(
        f"{submission.display} could be graded as {len(candidates)} problems, so none is "
        f"picked: it defines {'; '.join(described)}. Pass --problem ID, e.g. "
        f"--problem {candidates[0]}"
    )


def explain(error: SubmissionError, submission: Submission, entry_point: str) -> SubmissionError:
    """Point an entry-point error at the line that needs fixing, with the likely intended name;
    in a notebook, the line becomes ``(cell 3, line 2)`` in the message."""
    error = _entry_point(error, submission, entry_point)
    if submission.script is not None and error.line is not None:
        where = submission.where(error.line)
        error = replace(error, line=None, message=f"{error.message} ({where})")
    return error


def _entry_point(
    error: SubmissionError, submission: Submission, entry_point: str
) -> SubmissionError:
    if error.kind is ErrorKind.NOT_CALLABLE and entry_point in submission.names:
        return replace(error, line=submission.names[entry_point])
    if error.kind is not ErrorKind.MISSING_ENTRY_POINT:
        return error
    close = difflib.get_close_matches(entry_point, list(submission.names), n=1, cutoff=0.6)
    if not close:
        return replace(error, message=f"{error.message}; define `def {entry_point}(...)`")
    return replace(
        error,
        message=f"{error.message}; '{close[0]}' looks like a typo: rename it to '{entry_point}'",
        line=submission.names[close[0]],
    )


def normalised_hash(source: str) -> str:
    """sha256 of the compiled code: the same for copies that differ only in comments,
    docstrings, layout, or the names of parameters and local variables.

    Bytecode refers to local names by position and keeps line numbers apart; ``optimize=2``
    drops docstrings (the no-op left in their place is skipped). Source that does not compile
    is hashed with its blank lines, comment lines and indentation stripped.
    """
    digest = hashlib.sha256()
    try:
        code = compile(source, "<submission>", "exec", dont_inherit=True, optimize=2)
    except (SyntaxError, RecursionError, MemoryError, ValueError, OverflowError):
        lines = (line.strip() for line in source.splitlines())
        digest.update(
            "\n".join(line for line in lines if line and not line.startswith("#")).encode()
        )
        return digest.hexdigest()
    stack = [code]
    while stack:
        unit = stack.pop()
        raw = unit.co_code
        digest.update(b"".join(raw[i : i + 2] for i in range(0, len(raw), 2) if raw[i] != _NOP))
        digest.update(repr(unit.co_names).encode())
        for const in unit.co_consts:
            if isinstance(const, CodeType):
                stack.append(const)
            else:
                digest.update(repr(const).encode())
    return digest.hexdigest()


_NOP = opcode.opmap["NOP"]
