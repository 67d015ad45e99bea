"""Benchmark: how many submissions per second does ``grader batch`` grade, against the alternatives?

Measures in one run, on classes written by ``bench/classroom.py`` (``hostile=False``: no hostile
and no slow submission, about 60% correct, 28% wrong, 8% broken), repeating every measurement
``--reps`` times, interleaved, and reporting medians:

* ``grader batch DIR --problem softmax_jacobian --jobs J`` on a fresh gradebook each time, for
  each class size (default 100, 200, 400) and in both isolation modes (``--sandbox off`` and,
  where bubblewrap works, ``--sandbox on``): the wall time, submissions/s, and the cost per
  submission, with a least-squares fit wall = fixed + marginal x size (linear in the class size);
* one interpreter per submission: ``grader grade FILE --format json --sandbox off`` on a subset of
  the files, J processes at a time;
* a plain pytest harness, no isolation at all: one ``python -m pytest`` per submission on a
  generated test file that imports the submission and checks the same cases with
  ``np.testing.assert_allclose(atol=1e-4, rtol=0)``, J at a time;
* the floor: ``python -c "import numpy"``; one interpreter per submission grades at best J / floor
  submissions per second.

J is ``--jobs`` (default: the usable cores). The problem cache lives in a temporary directory
(filled by the warm-up round, which is not recorded and runs batch on the smallest class only).
Each method's results are also compared with the class manifest (disagreements are printed).
Until ``grader batch`` exists, the batch rows are skipped and the run says so.

Usage: ``python bench/bench_batch.py [--reps 3] [--sizes 100 200 400] [--jobs 2] [--json]``.
A benchmark, not a test: it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from classroom import VECTORISED, Expect, make_class

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references
PROBLEM = "softmax_jacobian"
TARGET = 100.0  # submissions per second on 2 cores
PY = sys.executable


@dataclass
class Bench:
    """One measurement: ``run()`` does the work and returns its wall time in seconds."""

    method: str
    size: int  # submissions graded per run
    run: Callable[[], float]
    warm_up: bool = True  # run in the unrecorded round 0
    times: list[float] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def rate(self) -> float:
        return self.size / self.median


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def batch_available() -> bool:
    done = subprocess.run(
        [PY, "-m", "grader", "batch", "--help"], cwd=ROOT, capture_output=True, check=False
    )
    return done.returncode == 0


def timed(work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def run_parallel(cmds: list[list[str]], jobs: int, cwd: Path | None = None) -> list[bytes]:
    """Run ``cmds`` ``jobs`` at a time (threads launching processes); their stdout, in order.

    Exit status 0 or 1 is a verdict (pytest: 2 is a module that fails to import); others abort.
    """

    def one(cmd: list[str]) -> bytes:
        done = subprocess.run(cmd, cwd=cwd or ROOT, capture_output=True, timeout=300, check=False)
        if done.returncode not in (0, 1, 2):
            sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
        return done.stdout + f"\nexit={done.returncode}".encode()

    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(one, cmds))


# --------------------------------------------------------------------------------------------
# The methods.


def batch_bench(
    folder: Path, manifest: dict[str, Expect], tmp: Path, jobs: int, sandbox: str, warm: bool
) -> Bench:
    gradebook, out = tmp / "gb.sqlite", tmp / "out.csv"
    cmd = [PY, "-m", "grader", "batch", str(folder), "--problem", PROBLEM, "--jobs", str(jobs)]
    cmd += ["--gradebook", str(gradebook), "--out", str(out), "--no-report", "--sandbox", sandbox]
    bench = Bench(f"grader batch --sandbox {sandbox}", len(manifest), lambda: 0.0, warm)

    def run() -> float:
        for stale in (gradebook, out, *tmp.glob("gb.sqlite-*")):
            stale.unlink(missing_ok=True)
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr.decode()[-3000:]}")
        bench.disagreements = compare_csv(out, manifest)
        return elapsed

    bench.run = run
    return bench


def compare_csv(out: Path, manifest: dict[str, Expect]) -> list[str]:
    """Learners whose row in the batch CSV disagrees with the manifest (or is missing)."""
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return ["the CSV has no rows"]
    key = next((k for k in ("learner", "student", "name", "submission") if k in rows[0]), None)
    if key is None or "status" not in rows[0]:
        return [f"cannot read the CSV's columns: {list(rows[0])}"]
    got = {Path(r[key]).name.removesuffix(".py").removesuffix(".ipynb"): r for r in rows}
    wrong = []
    for learner, expect in manifest.items():
        row = got.get(learner)
        if row is None:
            wrong.append(f"{learner}: no row")
            continue
        error = row.get("error_kind", row.get("error")) or None
        if (row["status"], error) != (expect.status, expect.error):
            wrong.append(f"{learner} ({expect.kind}): {row['status']} {error or ''}")
    return wrong


def subset(manifest: dict[str, Expect], n: int) -> dict[str, Expect]:
    """The first ``n`` learners with a Python file (the pytest harness cannot import notebooks)."""
    return dict([(k, e) for k, e in manifest.items() if e.file.endswith(".py")][:n])


def cli_bench(folder: Path, manifest: dict[str, Expect], jobs: int) -> Bench:
    options = ["--problem", PROBLEM, "--no-report", "--format", "json", "--sandbox", "off"]
    cmds = [
        [PY, "-m", "grader", "grade", str(folder / e.file), *options] for e in manifest.values()
    ]
    bench = Bench("grader grade per file, --sandbox off", len(cmds), lambda: 0.0)

    def run() -> float:
        outputs: list[bytes] = []
        elapsed = timed(lambda: outputs.extend(run_parallel(cmds, jobs)))
        wrong = []
        for (learner, expect), out in zip(manifest.items(), outputs, strict=True):
            doc = json.loads(out.rsplit(b"\nexit=", 1)[0])
            error = doc["error"]["kind"] if doc["error"] else None
            if (doc["status"], error) != (expect.status, expect.error):
                wrong.append(f"{learner} ({expect.kind}): {doc['status']} {error or ''}")
        bench.disagreements = wrong
        return elapsed

    bench.run = run
    return bench


PYTEST_HARNESS = """\
import importlib.util
import pathlib

import numpy as np
import pytest

DATA = np.load(pathlib.Path(__file__).resolve().parent.parent / "cases.npz")
NAMES = [str(name) for name in DATA["names"]]
spec = importlib.util.spec_from_file_location("solution", {solution!r})
solution = importlib.util.module_from_spec(spec)
spec.loader.exec_module(solution)


@pytest.mark.parametrize("k", range(len(NAMES)), ids=NAMES)
def test_case(k):
    got = solution.softmax_jacobian(DATA[f"x{{k}}"].tolist())
    expected = DATA[f"expected{{k}}"]
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected, atol=1e-4, rtol=0)
"""


def pytest_bench(folder: Path, manifest: dict[str, Expect], tmp: Path, jobs: int) -> Bench:
    """One pytest process per submission, no isolation; the cases come from the grader's own
    loader (cache, spec, materialise) and go to the test files as a .npz."""
    from grader.pipeline import cases_of, find_problem

    cases = cases_of(find_problem(PROBLEM))
    root = tmp / "pytest"
    root.mkdir()
    arrays: dict[str, np.ndarray] = {"names": np.array([c.name for c in cases])}
    for k, case in enumerate(cases):
        arrays[f"x{k}"] = np.asarray(case.args["x"])  # ints stay ints, as the grader sends them
        arrays[f"expected{k}"] = case.expected
    np.savez(root / "cases.npz", **arrays)  # type: ignore[arg-type]
    cmds = []
    for learner, expect in manifest.items():
        (root / learner).mkdir()
        test = root / learner / f"test_{learner}.py"
        test.write_text(PYTEST_HARNESS.format(solution=str(folder / expect.file)))
        cmds.append([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)])
    bench = Bench("plain pytest per file, no isolation", len(cmds), lambda: 0.0)

    def run() -> float:
        outputs: list[bytes] = []
        elapsed = timed(lambda: outputs.extend(run_parallel(cmds, jobs, cwd=root)))
        wrong = []
        for (learner, expect), out in zip(manifest.items(), outputs, strict=True):
            status = "accepted" if out.endswith(b"exit=0") else "rejected"
            if status != expect.status:
                wrong.append(f"{learner} ({expect.kind}): {status}")
        bench.disagreements = wrong
        return elapsed

    bench.run = run
    return bench


def floor_bench() -> Bench:
    def run() -> float:
        started = time.perf_counter()
        subprocess.run([PY, "-c", "import numpy"], check=True)
        return time.perf_counter() - started

    return Bench("floor", 1, run)


# --------------------------------------------------------------------------------------------


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least squares wall = fixed + marginal * size; (fixed s, marginal s per submission)."""
    sizes, walls = np.array([p[0] for p in points], float), np.array([p[1] for p in points])
    marginal, fixed = np.polyfit(sizes, walls, 1)
    return float(fixed), float(marginal)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default: 3)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 400], help="classes")
    parser.add_argument("--jobs", type=int, default=cores(), help="J (default: the cores)")
    parser.add_argument("--cli-files", type=int, default=40, help="grader grade subset")
    parser.add_argument("--pytest-files", type=int, default=20, help="pytest harness subset")
    parser.add_argument("--seed", type=int, default=0, help="classroom seed (default: 0)")
    parser.add_argument("--json", action="store_true", help="print a JSON object instead")
    parser.add_argument(
        "--mix",
        choices=("class", "vectorised"),
        default="class",
        help="the class: a realistic mix (loops, lists, broken files) or only submissions that "
        "compute with numpy and return arrays, where the grader's own cost dominates",
    )
    args = parser.parse_args()
    only = VECTORISED if args.mix == "vectorised" else None

    from grader.run.launch import bwrap_problem

    jobs, sizes = args.jobs, sorted(args.sizes)
    has_batch = batch_available()
    no_bwrap = bwrap_problem()
    modes = ["off"] + ([] if no_bwrap else ["on"])
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ["GRADER_CACHE_DIR"] = str(tmp / "cache")  # inherited by the subprocesses
        classes = {}
        for size in sorted({*sizes, args.cli_files, args.pytest_files}):
            classes[size] = make_class(
                tmp / f"class{size}", size, seed=args.seed, hostile=False, only=only
            )
        small = min(sizes)
        benches = [floor_bench()]
        if has_batch:
            for mode in modes:
                for size in sizes:
                    batch_tmp = tmp / f"batch-{mode}-{size}"
                    batch_tmp.mkdir()
                    folder = tmp / f"class{size}"
                    warm = size == small
                    benches.append(batch_bench(folder, classes[size], batch_tmp, jobs, mode, warm))
        cli_class, py_class = max(sizes[-1], args.cli_files), max(sizes[-1], args.pytest_files)
        benches.append(
            cli_bench(tmp / f"class{cli_class}", subset(classes[cli_class], args.cli_files), jobs)
        )
        benches.append(
            pytest_bench(
                tmp / f"class{py_class}", subset(classes[py_class], args.pytest_files), tmp, jobs
            )
        )
        for rep in range(args.reps + 1):  # round 0 is the warm-up and is not recorded
            for bench in benches:
                if rep or bench.warm_up:
                    elapsed = bench.run()
                    if rep:
                        bench.times.append(elapsed)

    floor = benches[0].median
    best_rate = jobs / floor
    batch_rows = [b for b in benches if b.method.startswith("grader batch")]
    reference = max(
        (b for b in batch_rows if b.method.endswith("off")), key=lambda b: b.size, default=None
    )
    fits = {
        mode: fit([(b.size, b.median) for b in batch_rows if b.method.endswith(mode)])
        for mode in modes
        if has_batch and len(sizes) > 1
    }

    if args.json:
        doc = {
            "python": PY,
            "cores": cores(),
            "jobs": jobs,
            "reps": args.reps,
            "mix": args.mix,
            "batch": has_batch,
            "bubblewrap": no_bwrap or "works",
            "floor_s": floor,
            "best_one_interpreter_per_submission_per_s": best_rate,
            "target_per_s": TARGET,
            "rows": [
                {
                    "method": b.method,
                    "size": b.size,
                    "median_s": b.median,
                    "min_s": min(b.times),
                    "per_s": b.rate,
                    "disagreements": b.disagreements,
                }
                for b in benches[1:]
            ],
            "fits": {m: {"fixed_s": f, "marginal_ms": 1e3 * g} for m, (f, g) in fits.items()},
        }
        print(json.dumps(doc, indent=2))
        return

    print(f"python: {PY}")
    print(f"cores: {cores()} (os.cpu_count() = {os.cpu_count()})    jobs J = {jobs}")
    print(f"reps: {args.reps} (+1 warm-up), medians    target: >= {TARGET:.0f} submissions/s")
    print(f"class: {args.mix}")
    if not has_batch:
        print("\n**`grader batch` is not available** (`grader batch --help` fails): batch rows")
        print("are skipped; the other measurements follow.")
    if no_bwrap:
        print(f"\n--sandbox on not measured: {no_bwrap}")
    print()
    print(
        "| method | class size | wall s | submissions/s | ms per submission | x slower than batch |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")

    def ratio(rate: float) -> str:
        return f"{reference.rate / rate:.2f}" if reference else "n/a"

    for b in benches[1:]:
        cells = [b.method, str(b.size), f"{b.median:.2f}", f"{b.rate:.1f}"]
        cells += [f"{1e3 * b.median / b.size:.1f}", ratio(b.rate)]
        print("| " + " | ".join(cells) + " |")
    cells = [f"floor: `python -c 'import numpy'` x J={jobs}, at best", "-", f"{floor:.3f}"]
    cells += [f"{best_rate:.1f}", f"{1e3 / best_rate:.1f}", ratio(best_rate)]
    print("| " + " | ".join(cells) + " |")
    print()
    if reference:
        print(
            f"x slower than batch: submissions/s of `grader batch --sandbox off` on "
            f"{reference.size} ({reference.rate:.1f}/s) over the row's."
        )
    print(f"floor: `python -c 'import numpy'` takes {1e3 * floor:.0f} ms (median); one")
    print(f"interpreter per submission, {jobs} at a time, grades at most {best_rate:.1f}/s.")
    print("The plain pytest harness runs the submissions without any isolation or time limit.")
    for mode, (fixed, marginal) in fits.items():
        print(
            f"batch --sandbox {mode}: wall ~ {fixed:.2f} s + {1e3 * marginal:.1f} ms x size "
            f"(least squares over {', '.join(map(str, sizes))})"
        )
    for b in batch_rows:
        if b.size == sizes[-1]:
            met = "met" if b.rate >= TARGET else "NOT met"
            print(f"target {TARGET:.0f}/s on {jobs} jobs, {b.method}: {b.rate:.1f}/s, {met}")
    for b in benches[1:]:
        if b.disagreements:
            shown = "; ".join(b.disagreements[:5])
            more = f" (+{len(b.disagreements) - 5} more)" if len(b.disagreements) > 5 else ""
            print(f"{b.method} ({b.size}): {len(b.disagreements)} disagree with the manifest:")
            print(f"  {shown}{more}")


if __name__ == "__main__":
    main()
