"""Benchmark: this checkout against another one (before a change), side by side, interleaved.

Measures, in every repetition and in turn, so that the machine's noise hits both alike:

* the floor: ``python -c "import numpy"``;
* one ``grader grade`` of ``softmax_jacobian``'s reference (36 cases, ``--no-report``) with each
  checkout, in each isolation mode (``--sandbox off``, and ``on`` where bubblewrap works);
* ``grader batch`` of a class made by ``bench/classroom.py`` (``--size``, default 300;
  ``--mix correct``: only submissions that compute with numpy and are right, ``vectorised``: the
  same kinds and their typical mistakes) with ``--jobs`` (default: the cores), each checkout and
  mode.

Each checkout runs with its own code (``PYTHONPATH`` and the working directory point at it); the
interpreter and its packages are this one's (``sys.executable``). Medians over ``--reps``.

Usage: ``python bench/bench_compare.py --before DIR [--reps 7] [--size 300] [--mix correct]``,
where DIR holds the other checkout (e.g. ``git worktree add /tmp/before main`` or
``git archive main | tar -x -C /tmp/before``). A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from classroom import VECTORISED, make_class

ROOT = Path(__file__).resolve().parent.parent
PROBLEM = "softmax_jacobian"
PY = sys.executable


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} in {cwd} exited {done.returncode}:\n{done.stderr.decode()}")
        return elapsed

    return run


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--size", type=int, default=300, help="learners in the class")
    parser.add_argument("--mix", choices=("correct", "vectorised"), default="correct")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    return parser.parse_args()


def benches(args: argparse.Namespace, tmp: Path) -> dict[str, Callable[[], float]]:
    """The floor, then each checkout's grade and batch in each mode, by label; the class is
    made in ``tmp`` and every checkout compiled, as pip install leaves it."""
    from grader.run.launch import bwrap_problem

    modes = ["off"] + ([] if bwrap_problem() else ["on"])
    trees = {"before": args.before.resolve(), "after": ROOT}
    kinds = {k for k in VECTORISED if args.mix == "vectorised" or k.startswith("correct/")}
    make_class(tmp / "class", args.size, seed=0, hostile=False, only=frozenset(kinds))
    for tree in trees.values():
        subprocess.run([PY, "-m", "compileall", "-q", str(tree / "grader")], check=True)
    found = {
        "floor: python -c 'import numpy'": timed([PY, "-c", "import numpy"], tmp, {**os.environ})
    }
    for name, tree in trees.items():
        env = {**os.environ, "PYTHONPATH": str(tree), "GRADER_CACHE_DIR": str(tmp / name)}
        reference = tree / "grader" / "pack" / "reference" / f"{PROBLEM}.py"
        for mode in modes:
            grade = [PY, "-m", "grader", "grade", str(reference), "--no-report", "--sandbox"]
            found[f"{name}: grade, --sandbox {mode}"] = timed([*grade, mode], tree, env)
        for mode in modes:
            found[f"{name}: batch of {args.size}, --sandbox {mode}"] = batch(
                args, tmp, tmp / f"out-{name}-{mode}", tree, env, mode
            )
    return found


def batch(
    args: argparse.Namespace, tmp: Path, out: Path, tree: Path, env: dict[str, str], mode: str
) -> Callable[[], float]:
    """One ``grader batch`` of the class, from a fresh output folder every time."""
    command = [PY, "-m", "grader", "batch", str(tmp / "class"), "--problem", PROBLEM,
               "--jobs", str(args.jobs), "--sandbox", mode, "--no-report",
               "--out", str(out / "g.csv"), "--gradebook", str(out / "g.sqlite")]  # fmt: skip

    def fresh() -> float:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        return timed(command, tree, env)()

    return fresh


def measure(runs: dict[str, Callable[[], float]], reps: int) -> dict[str, list[float]]:
    """Every run ``reps`` times, interleaved; round 0 warms the caches and is not recorded."""
    times: dict[str, list[float]] = {label: [] for label in runs}
    for rep in range(reps + 1):
        for label, run in runs.items():
            elapsed = run()
            if rep:
                times[label].append(elapsed)
    return times


def main() -> None:
    args = arguments()
    tmp = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    try:
        times = measure(benches(args, tmp), args.reps)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    floor = statistics.median(times["floor: python -c 'import numpy'"])
    print(f"{args.reps} repetitions, interleaved; medians; --jobs {args.jobs}; mix {args.mix}")
    print("| measure | median | per second or x floor |")
    print("| --- | ---: | ---: |")
    for label, values in times.items():
        median = statistics.median(values)
        if "batch" in label:
            print(f"| {label} | {median:.2f} s | {args.size / median:.1f}/s |")
        else:
            print(f"| {label} | {1e3 * median:.0f} ms | {median / floor:.2f}x |")


if __name__ == "__main__":
    main()
