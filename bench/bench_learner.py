"""Benchmark: what a learner waits for, in one run.

* **watch**: the time from saving ``softmax_jacobian``'s reference solution (a fresh comment each
  time, so the bytes change) to reading the ``Score:`` line of ``grader watch``'s new result,
  through a pipe, as the learner's terminal would. Target: 0.2 s.
* **one-shot**: ``grader grade --no-report`` against ``python -c "import numpy"`` (the floor),
  interleaved in each repetition so that machine noise hits both alike; medians. Target: 2x.

The grader's modules are byte-compiled first (as ``pip install`` does), and its problem cache
lives in a temporary folder filled by a warm-up, so the timings are those of a learner's second
and later grades. A benchmark, not a test: it asserts nothing about speed.

Usage: ``python bench/bench_learner.py [--reps 15] [--saves 20] [--sandbox auto|on|off]
[--json]``.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import grader

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"
REFERENCE = PACK / "reference" / "softmax_jacobian.py"
WATCH_TARGET, ONE_SHOT_TARGET = 0.2, 2.0


def watch_latency(tmp: Path, saves: int, sandbox: str) -> list[float]:
    """Seconds from each save to the ``Score:`` line of the result it caused."""
    solution = tmp / "softmax_jacobian.py"
    shutil.copy(REFERENCE, solution)
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader", "watch", str(solution), "--sandbox", sandbox],
        cwd=tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put((time.perf_counter(), line))

    threading.Thread(target=pump, daemon=True).start()

    def score() -> float:
        while True:
            at, line = lines.get(timeout=60)
            if line.startswith("Score:"):
                if "accepted" not in line or "not accepted" in line:
                    sys.exit(f"watch graded the reference as: {line.strip()}")
                return at

    try:
        score()  # the first grade, at start
        source = REFERENCE.read_text()
        out = []
        for k in range(saves):
            time.sleep(0.3)  # a learner types between saves
            saved = time.perf_counter()
            solution.write_text(f"{source}\n# save {k}\n")
            out.append(score() - saved)
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def one_shot(reps: int, sandbox: str) -> dict[str, list[float]]:
    commands = {
        "floor (import numpy)": [sys.executable, "-c", "import numpy"],
        "grader grade --no-report": [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(REFERENCE),
            "--no-report",
            "--sandbox",
            sandbox,
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for rep in range(reps + 1):  # round 0 warms the cache and is not recorded
        for name, command in commands.items():
            started = time.perf_counter()
            done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            took = time.perf_counter() - started
            if done.returncode:
                sys.exit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()}")
            if rep:
                times[name].append(took)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15, help="one-shot repetitions (15)")
    parser.add_argument("--saves", type=int, default=20, help="saves during the watch (20)")
    parser.add_argument("--sandbox", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("--json", action="store_true", help="print a JSON object instead")
    args = parser.parse_args()

    compileall.compile_dir(Path(grader.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory(prefix="bench-learner-") as name:
        tmp = Path(name)
        os.environ["GRADER_CACHE_DIR"] = str(tmp / "cache")  # inherited by the commands
        times = one_shot(args.reps, args.sandbox)
        latency = watch_latency(tmp, args.saves, args.sandbox)

    med = {name: statistics.median(ts) for name, ts in times.items()}
    floor, grade = med["floor (import numpy)"], med["grader grade --no-report"]
    watch = {
        "median": statistics.median(latency),
        "p90": sorted(latency)[int(0.9 * (len(latency) - 1))],
        "max": max(latency),
    }
    if args.json:
        doc = {
            "python": sys.executable,
            "sandbox": args.sandbox,
            "one_shot_s": {n: {"median": med[n], "min": min(t)} for n, t in times.items()},
            "one_shot_ratio": grade / floor,
            "watch_save_to_result_s": watch,
        }
        print(json.dumps(doc, indent=2))
        return
    print(f"python: {sys.executable}    sandbox: {args.sandbox}    reps: {args.reps}\n")
    print(f"{'one-shot command':<28} {'median ms':>10} {'min ms':>8} {'x floor':>8}")
    for name, ts in times.items():
        print(
            f"{name:<28} {med[name] * 1e3:>10.1f} {min(ts) * 1e3:>8.1f} {med[name] / floor:>8.2f}"
        )
    met = "met" if grade / floor <= ONE_SHOT_TARGET else "NOT met"
    print(f"\none-shot ratio: {grade / floor:.2f}x the floor (target <= {ONE_SHOT_TARGET}x: {met})")
    met = "met" if watch["median"] <= WATCH_TARGET else "NOT met"
    print(
        f"watch, save to result ({len(latency)} saves): median {watch['median'] * 1e3:.0f} ms, "
        f"p90 {watch['p90'] * 1e3:.0f} ms, max {watch['max'] * 1e3:.0f} ms "
        f"(target <= {WATCH_TARGET * 1e3:.0f} ms: {met})"
    )


if __name__ == "__main__":
    main()
