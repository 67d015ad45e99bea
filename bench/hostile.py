"""Grade every submission of the hostile corpus (tests/hostile/) in each available mode.

Prints one row per threat and mode: the verdicts (or the submission error) and the wall time
grading took, next to the problem's limits. Runs on a temporary copy of the problem, so a
submission that tampers with files can only reach the copy.

Usage: ``python bench/hostile.py [--json]``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from grader.pipeline import grade
from grader.run.launch import bwrap_problem
from grader.run.sandbox import Sandbox

HOSTILE = Path(__file__).resolve().parent.parent / "tests" / "hostile"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON rows instead")
    args = parser.parse_args()
    modes = ["off"] + (["on"] if bwrap_problem() is None else [])
    rows = []
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        root = Path(tmp) / "problem"
        shutil.copytree(HOSTILE / "problem", root)
        for path in sorted(HOSTILE.glob("*.py")):
            threat = re.search(r"^# threat: (.+)$", path.read_text(), flags=re.M)
            solution = Path(tmp) / "solution.py"
            solution.write_text(path.read_text())
            for mode in modes:
                started = time.monotonic()
                result = grade(solution, "double", root / "problems", Sandbox(mode))
                outcome = (
                    f"error {result.error.kind.value}"
                    if result.error
                    else ", ".join(c.verdict.value for c in result.cases)
                )
                rows.append(
                    {
                        "submission": path.stem,
                        "threat": threat[1] if threat else "",
                        "mode": result.sandbox,
                        "outcome": outcome,
                        "seconds": round(time.monotonic() - started, 2),
                    }
                )
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("limits: 1 s per case, 6 s in total, 512 MiB, 4 KiB of output\n")
    print(f"{'submission':<24} {'mode':<11} {'seconds':>7}  outcome")
    for row in rows:
        print(f"{row['submission']:<24} {row['mode']:<11} {row['seconds']:>7.2f}  {row['outcome']}")


if __name__ == "__main__":
    main()
