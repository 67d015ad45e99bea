"""A cache of loaded problems: grading one file then skips YAML, the reference and its work.

It sits above the pipeline's stages: the spec loader takes a reader (``reader(load)`` is the
caching one), and the orchestrators ask it for a problem's cases. Two kinds of entries:

* ``<key>.spec.json``: the located data of a spec file (its values and the line of each field),
  keyed by the file's bytes and the grader's code;
* ``<digest>.cases``: the cases of a problem with their expected values, as a JSON header line
  followed by raw little-endian float64 data, keyed by ``digest(problem)``: the spec, the whole
  reference (its file and its folder) and the grader's code.

A missing, stale or unreadable entry is ignored (and rewritten); writes are atomic. The cache
lives in ``$GRADER_CACHE_DIR``, else ``$XDG_CACHE_HOME/grader``, else ``~/.cache/grader``;
``GRADER_CACHE=off`` bypasses it. ``grader check`` never reads it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import __version__
from grader.files import write_atomically
from grader.problem.yamlmap import Located

if TYPE_CHECKING:
    from grader.model import Case
    from grader.problem.spec import Problem

PACKAGE = Path(__file__).resolve().parent


def directory() -> Path | None:
    if os.environ.get("GRADER_CACHE", "").lower() in {"off", "0", "no"}:
        return None
    if os.environ.get("GRADER_CACHE_DIR"):
        return Path(os.environ["GRADER_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "grader"


def probe_sandbox(requested: str = "auto") -> None:
    """Tell ``launch`` whether bubblewrap works here without probing (a process start on every
    grade) when a probe under the same conditions (``launch.probe_key``) was remembered; else
    probe now and remember the answer. Nothing to do for a mode that never uses bubblewrap."""
    from grader.run import launch

    if requested in ("off", "portable"):
        return
    where, key = directory(), launch.probe_key()
    if where is None or key is None:
        return
    entry = where / "bwrap-probe.json"

    def remember(problem: str | None) -> None:
        _write(entry, json.dumps({"key": key, "problem": problem}).encode())

    try:
        record = json.loads(entry.read_bytes())
        problem = record["problem"]
        if record["key"] == key and (problem is None or isinstance(problem, str)):
            launch.assume(problem, remember)  # corrected if bubblewrap then fails to start
            return
    except (OSError, ValueError, KeyError, TypeError):
        pass
    remember(launch.bwrap_problem())


@functools.cache
def code_digest() -> bytes:
    """A hash of the grader's own Python code and version: any change to it invalidates every
    entry (and makes a batch regrade its class).

    The shipped pack is data, not code: a problem's entries depend on its own files (``digest``);
    its folder is not walked.
    """
    modules = []
    for folder, subfolders, names in os.walk(PACKAGE):
        top = folder == str(PACKAGE)
        subfolders[:] = [d for d in subfolders if d != "__pycache__" and not (top and d == "pack")]
        modules += [os.path.join(folder, n) for n in names if n.endswith(".py")]
    digest = hashlib.sha256(__version__.encode() + b"\0")
    for path in sorted(modules):
        digest.update(os.path.relpath(path, PACKAGE).encode() + b"\0")
        with open(path, "rb") as module:
            digest.update(module.read())
    return digest.digest()


def _key(*parts: bytes) -> str:
    digest = hashlib.sha256(code_digest())
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()[:32]


def digest(problem: Problem) -> str:
    """What a problem's cases and a graded result depend on: its spec, its reference file and
    folder (``reference/<id>/``, every file), and the grader's code. Raises OSError."""
    parts = [problem.path.read_bytes(), problem.reference.read_bytes()]
    folder = problem.reference.with_suffix("")
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "__pycache__" not in path.parts:
                parts += [str(path.relative_to(folder)).encode(), path.read_bytes()]
    return _key(*parts)


def _write(path: Path, *chunks: bytes | memoryview) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, *chunks)
    except OSError:
        pass  # a cache that cannot be written only costs time


def reader(load: Callable[[Path], Located]) -> Callable[[Path], Located]:
    """``load`` with a cache: a spec file whose bytes were read before is not parsed again.

    Only what ``load`` returned is stored (YAML it rejects never is); the loader validates the
    data every time, so a cached entry is never trusted to be a valid problem.
    """

    def read(path: Path) -> Located:
        try:
            raw = path.read_bytes()
        except OSError:
            return load(path)
        where = directory()
        if where is None:
            return load(path)
        entry = where / f"{_key(raw)}.spec.json"
        try:
            cached = json.loads(entry.read_bytes())
            lines = {tuple(item[:-1]): item[-1] for item in cached["lines"]}
            return Located(path, cached["data"], lines)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        located = load(path)
        rows = [[*field, line] for field, line in located.lines.items()]
        _write(entry, json.dumps({"data": located.data, "lines": rows}).encode())
        return located

    return read


def cases(problem: Problem, build: Callable[[], tuple[Case, ...]]) -> tuple[Case, ...]:
    """The problem's cases from the cache, else ``build()`` them and store them."""
    where = directory()
    try:
        key = digest(problem)
    except OSError:
        where = None
    if where is None:
        return build()
    entry = where / f"{key}.cases"
    try:
        return _decode(entry.read_bytes())
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    built = build()
    header, blob = _encode(built)
    _write(entry, header, *blob)
    return built


def _encode(built: tuple[Case, ...]) -> tuple[bytes, list[memoryview]]:
    from grader.run.child import codec

    blob: list[memoryview] = []
    records: list[dict[str, Any]] = []
    for case in built:
        expected, buffers, _ = codec.pack(case.expected)
        blob += buffers
        published = None
        if case.published is not None:
            published, buffers, _ = codec.pack(case.published)
            blob += buffers
        records.append(
            {
                "index": case.index,
                "name": case.name,
                "visibility": case.visibility.value,
                "args": case.args,
                "call": case.call,
                "filled": case.filled,
                "weight": case.weight,
                "time_limit": case.time_limit,
                "result": case.result.document(),
                "expected": expected,
                "published": published,
            }
        )
    return json.dumps({"cases": records}).encode() + b"\n", blob


def _decode(raw: bytes) -> tuple[Case, ...]:
    import numpy as np

    from grader.model import Case, Part, Visibility, encode_args
    from grader.problem.cases import freeze
    from grader.run.child import codec

    end = raw.index(b"\n")
    records = json.loads(raw[:end])["cases"]
    # a copy: numpy's memory is aligned, and every array in it starts at a multiple of 8 bytes;
    # the arrays read in place from ``raw`` (after a header line of any length) were not, and
    # each comparison with them went through numpy's buffered, copying loops
    data = np.frombuffer(raw, dtype=np.uint8, offset=end + 1).copy()
    offset = 0

    def take(tree: Any) -> Any:
        nonlocal offset
        try:
            size = codec.measure(tree)
            if offset + size > data.size:
                raise ValueError("truncated cache entry")
            node = codec.build(tree, data[offset : offset + size])
        except codec.Unreadable as exc:
            raise ValueError(str(exc)) from None
        offset += size
        return freeze(node)

    out = []
    for r in records:
        expected = take(r["expected"])
        published = None if r["published"] is None else take(r["published"])
        out.append(
            Case(
                index=r["index"],
                name=r["name"],
                visibility=Visibility(r["visibility"]),
                args=r["args"],
                call=r["call"],
                call_json=encode_args(r["call"]),
                expected=expected,
                published=published,
                weight=r["weight"],
                time_limit=r["time_limit"],
                result=Part.from_document(r["result"]),
                filled=r["filled"],
            )
        )
    if offset != data.size:
        raise ValueError("cache entry has trailing data")
    return tuple(out)
