"""The generated class of bench/classroom.py: deterministic, the promised mix and layout. That each
template kind gets the status and error its manifest entry declares is proven by grading a class
of every kind through ``grader batch`` (test_batch) and, for the kinds that cost a time limit, by
their goldens (test_golden)."""

from __future__ import annotations

import contextlib
import io
import json
import random
import sys
import tokenize
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from grader.submission.notebook import convert

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))

import classroom
from classroom import MAX_SLOW, TEMPLATES, Expect, make_class, plan

SIZE = 200  # large enough for every kind, hostile ones included, to appear
# The kinds that cost a time limit: their sources are goldens, graded by test_golden.
SLOW = {"hostile/infinite_loop", "hostile/sleeps_at_import", "wrong/cubic_loop"}


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Expect]]:
    folder = tmp_path_factory.mktemp("class")
    return folder, make_class(folder, SIZE, seed=1)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def python_of(path: Path) -> str:
    text = path.read_text()
    return convert(text).source if path.suffix == ".ipynb" else text


def normalised(source: str) -> tuple[str, ...]:
    """Tokens without comments, layout or names: what a near copy shares with its original."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return tuple(
        "NAME" if t.type == tokenize.NAME else t.string for t in tokens if t.type not in skip
    )


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert make_class(a, 60, seed=7) == make_class(b, 60, seed=7)
    assert files(a) == files(b)
    make_class(c, 60, seed=8)
    assert files(a) != files(c)


def test_size_mix_and_layout(klass: tuple[Path, dict[str, Expect]]) -> None:
    folder, manifest = klass
    assert len(manifest) == SIZE and len(files(folder)) == SIZE
    assert all((folder / e.file).is_file() for e in manifest.values())
    assert list(manifest) == [f"learner{k:03d}" for k in range(1, SIZE + 1)]
    categories = Counter(e.kind.split("/")[0] for e in manifest.values())
    assert categories == {"correct": 120, "wrong": 56, "broken": 16, "hostile": 8}
    notebooks = [e for e in manifest.values() if e.file.endswith(".ipynb")]
    folders = [e for e in manifest.values() if e.file.endswith("/solution.py")]
    assert len(notebooks) == len(folders) == 6  # 3% each
    for e in notebooks:
        doc = json.loads((folder / e.file).read_text())
        assert doc["nbformat"] == 4
        code = ["".join(c["source"]) for c in doc["cells"] if c["cell_type"] == "code"]
        assert any(line.startswith(("%timeit", "!pip")) for c in code for line in c.split("\n"))
    slow = sum(TEMPLATES[e.kind].slow for e in manifest.values())
    assert 0 < slow <= MAX_SLOW
    assert len(set(files(folder).values())) == SIZE - 10  # only the exact copies repeat


def test_copies(klass: tuple[Path, dict[str, Expect]]) -> None:
    folder, manifest = klass
    copies = Counter(e.copy for e in manifest.values())
    assert copies["exact"] == copies["near"] == 10  # 5% each
    for e in manifest.values():
        if e.copy is None:
            continue
        original = manifest[e.copy_of or ""]
        assert original.copy is None and (original.status, original.kind) == (e.status, e.kind)
        mine, theirs = (folder / e.file).read_text(), (folder / original.file).read_text()
        if e.copy == "exact":
            assert mine == theirs
        else:
            assert mine != theirs and normalised(mine) == normalised(theirs)
    others = [python_of(folder / e.file) for e in manifest.values() if e.copy is None]
    forms = Counter(normalised(source) for source in others)
    assert max(forms.values()) == 1  # no two learners alike but the copies


def behaviour(source: str) -> str:
    """What the source's function returns on a small input (run here: correct/wrong only)."""
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # np.matrix is pending deprecation
        exec(compile(source, "solution.py", "exec"), namespace)
        result = namespace["softmax_jacobian"]([1.0, 2.0, 3.0])  # type: ignore[operator]
    try:
        return repr(np.asarray(result, dtype=float).round(6).tolist())
    except (TypeError, ValueError):
        return repr(result)


@pytest.mark.parametrize("kind", [k for k, t in TEMPLATES.items() if t.runs_at_import])
def test_renaming_keeps_behaviour(kind: str) -> None:
    source = TEMPLATES[kind].source
    original = behaviour(source)
    renamed = {classroom._rename(source, random.Random(seed), share=1.0) for seed in range(12)}
    assert renamed != {source} or not classroom._local_names(source)
    for variant in renamed:
        assert behaviour(variant) == original, variant


def test_slow_kinds_capped_and_optional() -> None:
    big = plan(1000, seed=2)
    assert sum(learner.template.slow for learner in big) <= MAX_SLOW
    assert sum(learner.template.kind.startswith("hostile/") for learner in big) == 40
    tame = plan(300, seed=2, hostile=False)
    assert not any(learner.template.slow for learner in tame)
    assert not any(learner.template.kind.startswith("hostile/") for learner in tame)


def test_cli_writes_the_manifest_beside_the_folder(tmp_path: Path) -> None:
    classroom.main([str(tmp_path / "c"), "--size", "30", "--seed", "4", "--no-hostile"])
    manifest = json.loads((tmp_path / "c.manifest.json").read_text())
    assert len(manifest) == 30 and len(files(tmp_path / "c")) == 30
    assert not (tmp_path / "c" / "c.manifest.json").exists()
    assert all(v["kind"].split("/")[0] != "hostile" for v in manifest.values())
    with pytest.raises(SystemExit):
        classroom.main([str(tmp_path / "c"), "--size", "5"])  # not empty


def test_every_kind_appears(klass: tuple[Path, dict[str, Expect]]) -> None:
    _, manifest = klass
    assert {e.kind for e in manifest.values()} == set(TEMPLATES)


def test_slow_kinds_are_goldens() -> None:
    """What test_golden grades: the slow kinds' sources are golden submissions, with the status
    and error their kinds declare (test_batch grades every other kind)."""
    assert {k for k, t in TEMPLATES.items() if t.slow} == SLOW
    golden = Path(__file__).parent / "golden"
    for kind in SLOW:
        template = TEMPLATES[kind]
        scenario = next(
            p for p in golden.iterdir() if template.source in (p / "solution.py").read_text()
        )
        expected = json.loads((scenario / "expected.json").read_text())
        assert expected["status"] == template.status
        assert (expected["error"] or {}).get("kind") == template.error
