"""A generated class of submissions for ``softmax_jacobian``, with the result each must get.

``make_class(folder, size)`` writes one submission per learner (``learner001.py``, about 3% as
Jupyter notebooks ``learner002.ipynb``, about 3% as folders ``learner003/solution.py``) and
returns the manifest: learner -> ``Expect`` (status, submission-level error kind, and a label of
the template it came from such as ``correct/vectorised`` or ``hostile/segfault``).

The mix, deterministic for a seed: about 60% correct (several styles), 28% wrong (the typical
mistakes, and results that are not numbers), 8% broken (syntax error, misspelt function, import
error, runtime error, not callable) and, with ``hostile=True``, 4% hostile (infinite loop, sleep
at import, ``sys.exit`` at import, ``os._exit``, segfault, 50 MB printed, unbounded allocation,
reading files under ``../..``). Slow kinds, which cost a time limit (~4 s) each, are at most
``MAX_SLOW`` per class; ``hostile=False`` leaves out every hostile and every slow kind (the
benchmark's setting). About 5% of the learners hand in an exact copy of another's file and 5% a
copy with only comments, whitespace and local names changed (``Expect.copy``/``copy_of``).

Templates are the repository's golden submissions (``tests/golden/<scenario>``, whose
``expected.json`` gives the status and error) plus the few below. Each learner's file differs:
a comment naming the learner, renamed local variables, and a check of the learner's own (a
``__main__`` block, a print at import, or an uncalled test function) on values no other learner
uses, so only the copies are alike once comments, whitespace and names are normalised.

CLI: ``python bench/classroom.py DIR --size N [--seed S] [--no-hostile]`` writes the class into
DIR and the manifest to ``DIR.manifest.json`` beside it.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import io
import json
import keyword
import random
import re
import sys
import tokenize
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
PROBLEM = "softmax_jacobian"
MAX_SLOW = 3  # submissions that cost a time limit (~4 s each), whatever the class size
SHARES = {"hostile": 0.04, "broken": 0.08, "wrong": 0.28}  # correct: the rest
NOTEBOOKS, FOLDERS, EXACT_COPIES, NEAR_COPIES = 0.03, 0.03, 0.05, 0.05

Status = Literal["accepted", "rejected"]
CheckForm = Literal["main", "print", "test"]


@dataclass(frozen=True)
class Expect:
    """What grading a learner's submission must give."""

    status: Status
    error: str | None  # the submission-level error kind, or None
    kind: str  # the template, e.g. "correct/vectorised"
    file: str = ""  # relative to the class folder: "learner001.py", "learner002/solution.py"
    copy: Literal["exact", "near"] | None = None
    copy_of: str | None = None  # the learner copied


@dataclass(frozen=True)
class Template:
    kind: str
    source: str
    status: Status
    error: str | None
    weight: float
    slow: bool = False  # costs a time limit
    runs_at_import: bool = True  # a check may call the function at import


# kind -> (golden scenario, weight, slow)
_GOLDEN: dict[str, tuple[str, float, bool]] = {
    "correct/vectorised": ("correct_vectorised", 8, False),
    "correct/loops_lists": ("correct_loops_lists", 4, False),
    "correct/symmetric_fill": ("correct_symmetric_fill", 2, False),
    "correct/rounded_4dp": ("correct_rounded_4dp", 3, False),
    "correct/truncated_4dp": ("correct_truncated_4dp", 1, False),
    "correct/tuple_of_tuples": ("correct_tuple_of_tuples", 1, False),
    "correct/np_matrix": ("correct_np_matrix", 1, False),
    "correct/array_like": ("correct_array_like", 0.5, False),
    "correct/float32": ("correct_float32", 1, False),
    "correct/mutates_input": ("correct_mutates_input", 0.5, False),
    "correct/prints_a_lot": ("correct_prints_a_lot", 0.5, False),
    "wrong/missing_else": ("wrong_missing_else", 4, False),
    "wrong/sign_flipped": ("wrong_sign_flipped", 2, False),
    "wrong/gradient_vector": ("wrong_gradient_vector", 3, False),
    "wrong/rounded_2dp": ("wrong_rounded_2dp", 2, False),
    "wrong/naive_exp_overflow": ("wrong_naive_exp_overflow", 4, False),
    "wrong/cubic_loop": ("wrong_cubic_loop", 1, True),
    "wrong/returns_none": ("invalid_returns_none", 1, False),
    "wrong/ragged": ("invalid_ragged", 0.5, False),
    "wrong/strings": ("invalid_strings", 0.5, False),
    "broken/syntax_error": ("broken_syntax_error", 1, False),
    "broken/misspelt_name": ("broken_misspelt_entry_point", 1, False),
    "broken/import_error": ("broken_import_error", 1, False),
    "broken/runtime_error": ("broken_runtime_error", 1, False),
    "broken/not_callable": ("broken_not_callable", 1, False),
    "hostile/infinite_loop": ("broken_infinite_loop", 1, True),
    "hostile/sleeps_at_import": ("broken_import_hangs", 1, True),
    "hostile/sys_exit_at_import": ("broken_sys_exit_at_import", 1, False),
}

# kind -> (source, status, error, weight): the kinds the goldens do not have
_OWN: dict[str, tuple[str, Status, str | None, float]] = {
    "wrong/softmax_itself": (
        """\
import numpy as np


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()
""",
        "rejected",
        None,
        1.5,
    ),
    "wrong/diagonal_only": (
        """\
import numpy as np


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s = s / s.sum()
    return np.diag(s * (1 - s))
""",
        "rejected",
        None,
        1.5,
    ),
    "wrong/one_formula_everywhere": (
        """\
import math


def softmax_jacobian(x):
    m = max(x)
    exps = [math.exp(v - m) for v in x]
    total = sum(exps)
    s = [e / total for e in exps]
    return [[s[i] * (1 - s[j]) for j in range(len(s))] for i in range(len(s))]
""",
        "rejected",
        None,
        2,
    ),
    "wrong/wrong_index": (
        """\
import numpy as np


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s = s / s.sum()
    return np.diag(s) - s[:, None] * s[:, None]
""",
        "rejected",
        None,
        1,
    ),
    "wrong/unnormalised": (
        """\
import numpy as np


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    return np.diag(s) - np.outer(s, s)
""",
        "rejected",
        None,
        1,
    ),
    "hostile/os_exit_in_function": (
        """\
import os


def softmax_jacobian(x):
    os._exit(0)
""",
        "rejected",
        None,
        1,
    ),
    "hostile/segfault": (
        """\
import ctypes


def softmax_jacobian(x):
    return ctypes.string_at(0)
""",
        "rejected",
        None,
        1,
    ),
    "hostile/prints_50mb": (
        """\
import sys

import numpy as np

chunk = "spam " * 200_000
for _ in range(50):
    sys.stdout.write(chunk)


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s = s / s.sum()
    return np.diag(s) - np.outer(s, s)
""",
        "accepted",
        None,
        1,
    ),
    "hostile/allocates_unbounded": (
        """\
hoard = []
while True:
    hoard.append(bytes(64 << 20))


def softmax_jacobian(x):
    return [[0.0]]
""",
        "rejected",
        "memory_limit",
        1,
    ),
    "hostile/reads_parent_files": (
        """\
import os

import numpy as np

loot = []
for name in ["../../problems/softmax_jacobian.yaml", "../../reference/softmax_jacobian.py"]:
    try:
        with open(name) as f:
            loot.append(f.read())
    except OSError:
        pass
seen = 0
for folder, subfolders, files in os.walk("../.."):
    subfolders[:] = subfolders[:8]
    for name in files[:10]:
        try:
            with open(os.path.join(folder, name), "rb") as f:
                loot.append(f.read(4096))
        except OSError:
            pass
    seen += 1
    if seen > 60:
        break


def softmax_jacobian(x):
    z = np.asarray(x, dtype=float)
    s = np.exp(z - z.max())
    s = s / s.sum()
    return np.diag(s) - np.outer(s, s)
""",
        "accepted",
        None,
        1,
    ),
}


def _without_leading_comments(source: str) -> str:
    """The golden files open with a comment explaining the scenario; learners do not write it."""
    lines = source.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def _templates() -> dict[str, Template]:
    out: dict[str, Template] = {}
    for kind, (scenario, weight, slow) in _GOLDEN.items():
        expected = json.loads((GOLDEN / scenario / "expected.json").read_text())
        error = expected["error"]["kind"] if expected["error"] else None
        out[kind] = Template(
            kind,
            _without_leading_comments((GOLDEN / scenario / "solution.py").read_text()),
            expected["status"],
            error,
            weight,
            slow,
            runs_at_import=kind.startswith(("correct/", "wrong/")) and not slow,
        )
    for kind, (source, status, error, weight) in _OWN.items():
        runs = kind.startswith(("correct/", "wrong/"))
        out[kind] = Template(kind, source, status, error, weight, runs_at_import=runs)
    return dict(sorted(out.items()))


TEMPLATES: dict[str, Template] = _templates()
CATEGORIES = ("correct", "wrong", "broken", "hostile")


# --------------------------------------------------------------------------------------------
# Per-learner variation.

_SYNONYMS = {
    "s": ["p", "probs", "sm", "soft", "prob"],
    "p": ["s", "probs", "q", "pr"],
    "e": ["ex", "exps", "num", "expd"],
    "z": ["v", "shifted", "logits", "xs"],
    "jac": ["J", "jacobian", "out", "res", "mat"],
    "n": ["size", "dim", "length", "count"],
    "i": ["a", "r", "row", "ii"],
    "j": ["b", "c", "col", "jj"],
    "k": ["t", "kk", "idx"],
    "m": ["top", "mx", "biggest"],
    "top": ["m", "mx", "peak"],
    "exps": ["ex", "es", "powers"],
    "total": ["denom", "tot", "norm"],
    "t": ["total", "denom", "tot"],
    "v": ["val", "xi", "w"],
}
_SUFFIXES = ["_", "2", "_v", "1", "_tmp"]
_RESERVED = set(keyword.kwlist) | set(dir(builtins))


def _local_names(source: str) -> set[str]:
    """Names assigned inside functions that can be renamed file-wide without changing meaning."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    top: set[str] = set()  # module-level names: never renamed
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            top.add(node.name)
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                top.add(sub.id)
            elif isinstance(sub, ast.alias):
                top.add((sub.asname or sub.name).split(".")[0])
    stored: set[str] = set()
    blocked: set[str] = set()
    for each in ast.walk(tree):
        if isinstance(each, ast.FunctionDef):
            for sub in ast.walk(each):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    stored.add(sub.id)
                elif isinstance(sub, ast.FunctionDef):
                    blocked.add(sub.name)
        if isinstance(each, ast.arg | ast.keyword) and each.arg:
            blocked.add(each.arg)
        elif isinstance(each, ast.Attribute):
            blocked.add(each.attr)
        elif isinstance(each, ast.Global | ast.Nonlocal):
            blocked.update(each.names)
        elif isinstance(each, ast.JoinedStr):  # one STRING token before 3.12: not renamed
            blocked.update(n.id for n in ast.walk(each) if isinstance(n, ast.Name))
    return stored - top - blocked - _RESERVED


def _rename(source: str, rng: random.Random, share: float = 0.6) -> str:
    """``source`` with some local variables renamed (consistently, never after a dot)."""
    names = sorted(_local_names(source))
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    taken = {t.string for t in tokens if t.type == tokenize.NAME} | _RESERVED
    mapping: dict[str, str] = {}
    for name in names:
        if rng.random() >= share:
            continue
        options = [*_SYNONYMS.get(name, []), *(name + s for s in _SUFFIXES)]
        options = [o for o in options if o not in taken]
        if options:
            mapping[name] = rng.choice(options)
            taken.add(mapping[name])
    if not mapping:
        return source
    lines = source.splitlines(keepends=True)
    previous = None
    edits: list[tuple[int, int, int, str]] = []
    for tok in tokens:
        if tok.type == tokenize.NAME and tok.string in mapping and previous != ".":
            (row, col), (_, end) = tok.start, tok.end
            edits.append((row, col, end, mapping[tok.string]))
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            previous = tok.string
    for row, col, end, new in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[end:]
    return "".join(lines)


def _header(learner: str, rng: random.Random) -> str:
    return rng.choice(
        [
            f"# {learner}\n",
            f"# Submission by {learner}\n",
            f"# {learner}: softmax Jacobian, homework 3\n",
            f"# Author: {learner}\n# Course: numerical methods\n",
            f"# {learner} -- I think this works\n",
        ]
    )


@dataclass(frozen=True)
class _Check:
    """The learner's own check of the function, on values no other learner uses."""

    form: CheckForm
    values: tuple[float, ...]

    def render(self) -> str:
        args = "[" + ", ".join(repr(v) for v in self.values) + "]"
        if self.form == "main":
            return f'if __name__ == "__main__":\n    print(softmax_jacobian({args}))\n'
        if self.form == "print":
            return f"print(softmax_jacobian({args}))\n"
        return (
            "def test_mine():\n"
            f"    result = softmax_jacobian({args})\n"
            f"    assert len(result) == {len(self.values)}\n"
        )


def _respace(source: str, rng: random.Random) -> str:
    """Whitespace-only changes: blank lines added or removed, trailing spaces."""
    out: list[str] = []
    for line in source.splitlines():
        if not line.strip() and out and not out[-1].strip() and rng.random() < 0.5:
            continue  # one blank line fewer between blocks
        if line.strip() and rng.random() < 0.15:
            line += " " * rng.randint(1, 3)
        out.append(line)
        if line.strip() and rng.random() < 0.12:
            out.append("")
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class _Learner:
    name: str
    template: Template
    check: _Check
    layout: Literal["py", "ipynb", "folder"] = "py"
    copy: Literal["exact", "near"] | None = None
    copy_of: str | None = None

    @property
    def file(self) -> str:
        if self.layout == "folder":
            return f"{self.name}/solution.py"
        return f"{self.name}.{self.layout}"

    def expect(self) -> Expect:
        t = self.template
        return Expect(t.status, t.error, t.kind, self.file, self.copy, self.copy_of)


def _render(learner: _Learner, rng: random.Random) -> str:
    body = _rename(learner.template.source, rng)
    return f"{_header(learner.name, rng)}{body}\n\n{learner.check.render()}"


def _notebook(source: str, learner: str, rng: random.Random) -> str:
    """An nbformat 4 notebook of ``source``: top-level blocks as code cells, plus one line of
    IPython syntax (``!pip`` or ``%timeit``) that the grader drops."""
    blocks = [b.strip("\n") for b in re.split(r"\n\n\n+", source) if b.strip()]
    if rng.random() < 0.5:
        blocks[0] = "!pip install numpy\n" + blocks[0]
    else:
        blocks.append("%timeit softmax_jacobian([0.5, 1.5, -2.0])")

    def cell(kind: str, text: str, number: int) -> dict[str, object]:
        doc: dict[str, object] = {
            "cell_type": kind,
            "id": f"{learner}-{number}",
            "metadata": {},
            "source": text.splitlines(keepends=True),
        }
        if kind == "code":
            doc.update(execution_count=None, outputs=[])
        return doc

    cells = [cell("markdown", f"# Softmax Jacobian\n{learner}", 0)]
    cells += [cell("code", block, k) for k, block in enumerate(blocks, start=1)]
    doc = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(doc, indent=1) + "\n"


# --------------------------------------------------------------------------------------------
# The class.


# Kinds that compute with numpy and return arrays: the grader's own cost dominates their grading
# (a class of Python loops and lists is dominated by the learners' code on the n = 1000 case).
VECTORISED = frozenset(
    {
        "correct/vectorised",
        "correct/np_matrix",
        "correct/float32",
        "correct/array_like",
        "correct/truncated_4dp",
        "wrong/sign_flipped",
        "wrong/gradient_vector",
        "wrong/rounded_2dp",
        "wrong/softmax_itself",
        "wrong/diagonal_only",
        "wrong/wrong_index",
        "wrong/unnormalised",
    }
)


def _kinds(
    category: str,
    count: int,
    rng: random.Random,
    slow_left: list[int],
    only: frozenset[str] | None = None,
) -> list[str]:
    """``count`` kinds of ``category`` (of ``only``, when given): each kind once (shuffled)
    while there is room, then weighted draws; slow kinds only while ``slow_left[0]`` allows."""
    pool = [
        t
        for t in TEMPLATES.values()
        if (t.kind in only if only is not None else t.kind.startswith(category + "/"))
    ]

    def allowed(t: Template) -> bool:
        return not t.slow or slow_left[0] > 0

    first = list(pool)
    rng.shuffle(first)
    kinds: list[str] = []
    for t in first:
        if len(kinds) < count and allowed(t):
            kinds.append(t.kind)
            slow_left[0] -= t.slow
    while len(kinds) < count:
        options = [t for t in pool if allowed(t)]
        t = rng.choices(options, weights=[t.weight for t in options])[0]
        kinds.append(t.kind)
        slow_left[0] -= t.slow
    return kinds


def _unique_values(rng: random.Random, used: set[tuple[float, ...]]) -> tuple[float, ...]:
    while True:
        values = tuple(round(rng.uniform(-4, 4), 1) for _ in range(rng.randint(3, 5)))
        if values not in used:
            used.add(values)
            return values


def plan(
    size: int, *, seed: int = 0, hostile: bool = True, only: frozenset[str] | None = None
) -> list[_Learner]:
    """The learners of a class, without writing anything (deterministic for ``seed``);
    ``only`` draws every learner from those kinds (e.g. ``VECTORISED``)."""
    rng = random.Random(seed)
    counts = {c: round(share * size) for c, share in SHARES.items()}
    if not hostile:
        counts["hostile"] = 0
    elif size >= 10:
        counts["hostile"] = max(1, counts["hostile"])
    counts["correct"] = size - sum(counts.values())
    slow_left = [MAX_SLOW if hostile else 0]
    kinds: list[str] = []
    for category in ("hostile", "broken", "wrong", "correct"):  # rare ones get the slow quota
        if only is None:
            kinds += _kinds(category, counts[category], rng, slow_left)
    if only is not None:
        kinds = _kinds("", size, rng, slow_left, only)
    rng.shuffle(kinds)

    width = max(3, len(str(size)))
    names = [f"learner{k:0{width}d}" for k in range(1, size + 1)]
    used: set[tuple[float, ...]] = set()
    learners: list[_Learner] = []
    for name, kind in zip(names, kinds, strict=True):
        t = TEMPLATES[kind]
        forms: list[CheckForm] = ["main", "print", "test"] if t.runs_at_import else ["main", "test"]
        form = rng.choice(forms)
        learners.append(_Learner(name, t, _Check(form, _unique_values(rng, used))))

    # Copies: a learner of the same category hands in another's file, exact or retouched.
    tally = Counter(kinds)
    n_exact, n_near = round(EXACT_COPIES * size), round(NEAR_COPIES * size)
    order = list(range(size))
    rng.shuffle(order)
    copiers: list[int] = []
    for k in order:
        t = learners[k].template
        if len(copiers) == n_exact + n_near:
            break
        if t.runs_at_import and tally[t.kind] > 1:  # correct or wrong, fast; not the only one
            copiers.append(k)
            tally[t.kind] -= 1
    rest = [k for k in order if k not in set(copiers)]

    def place(share: float, layout: Literal["ipynb", "folder"], fit: tuple[str, ...]) -> None:
        chosen = [k for k in rest if learners[k].template.kind.startswith(fit)]
        for k in chosen[: round(share * size)]:
            rest.remove(k)
            learners[k] = replace(learners[k], layout=layout)

    place(NOTEBOOKS, "ipynb", ("correct/", "wrong/"))  # a check cell may run at import
    place(FOLDERS, "folder", tuple(f"{c}/" for c in CATEGORIES))
    originals = [k for k in rest if learners[k].template.runs_at_import]
    for number, k in enumerate(copiers):
        category = learners[k].template.kind.split("/")[0]
        candidates = [o for o in originals if learners[o].template.kind.startswith(category)]
        if not candidates:
            continue
        original = learners[rng.choice(candidates)]
        learners[k] = _Learner(
            learners[k].name,
            original.template,
            original.check,
            copy="exact" if number < n_exact else "near",
            copy_of=original.name,
        )
    return learners


def make_class(
    folder: Path,
    size: int,
    *,
    seed: int = 0,
    hostile: bool = True,
    only: frozenset[str] | None = None,
) -> dict[str, Expect]:
    """Write a class of ``size`` submissions into ``folder``; return learner -> ``Expect``."""
    folder.mkdir(parents=True, exist_ok=True)
    learners = plan(size, seed=seed, hostile=hostile, only=only)
    texts: dict[str, str] = {}
    for learner in learners:  # originals first: copies read their text
        if learner.copy is None:
            rng = random.Random(f"{seed}:{learner.name}")
            text = _render(learner, rng)
            texts[learner.name] = (
                _notebook(text, learner.name, rng) if learner.layout == "ipynb" else text
            )
    for learner in learners:
        if learner.copy == "exact":
            texts[learner.name] = texts[learner.copy_of or ""]
        elif learner.copy == "near":
            rng = random.Random(f"{seed}:{learner.name}")
            texts[learner.name] = _respace(_render(learner, rng), rng)
    manifest: dict[str, Expect] = {}
    for learner in learners:
        path = folder / learner.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[learner.name])
        manifest[learner.name] = learner.expect()
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write the class (new or empty)")
    parser.add_argument("--size", type=int, required=True, help="number of learners")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--no-hostile", action="store_true", help="no hostile or slow kinds")
    args = parser.parse_args(argv)
    folder: Path = args.folder
    if folder.exists() and any(folder.iterdir()):
        parser.error(f"{folder} exists and is not empty")
    manifest = make_class(folder, args.size, seed=args.seed, hostile=not args.no_hostile)
    out = folder.parent / f"{folder.name}.manifest.json"
    out.write_text(json.dumps({k: asdict(v) for k, v in manifest.items()}, indent=1) + "\n")
    categories = Counter(e.kind.split("/")[0] for e in manifest.values())
    layouts = Counter(
        "folder" if "/" in e.file else Path(e.file).suffix[1:] for e in manifest.values()
    )
    copies = Counter(e.copy for e in manifest.values() if e.copy)
    print(f"{len(manifest)} submissions in {folder}; manifest {out}", file=sys.stderr)
    print(f"  {dict(categories)}  layouts {dict(layouts)}  copies {dict(copies)}", file=sys.stderr)


if __name__ == "__main__":
    main()
