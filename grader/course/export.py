"""``grader export gradescope ID``: a Gradescope autograder zip that runs this grader.

The zip holds ``setup.sh`` (installs numpy, PyYAML, Jinja2 and, where apt can, bubblewrap),
``run_autograder`` (grades the file in ``/autograder/submission/`` and writes
``/autograder/results/results.json``, hidden cases ``after_published``), the grader's own package,
the problem's spec and its reference; Gradescope unpacks it into ``/autograder/source/``. It
runs one container per submission, so a class scales out on its fleet with the verdicts of here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import grader
from grader.errors import UsageError
from grader.problem.spec import load_problem

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built.
set -euo pipefail
apt-get update -qq || true
apt-get install -y -qq python3 python3-pip bubblewrap || apt-get install -y -qq python3 python3-pip
python3 -m pip install --quiet "numpy>=1.24" "pyyaml>=6.0" "jinja2>=3.1"
"""

RUN = """\
#!/usr/bin/env python3
# Gradescope runs this for every submission: grade it, write results/results.json.
import json, os, subprocess, sys
from pathlib import Path

root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
source, results = root / "source", root / "results"
results.mkdir(parents=True, exist_ok=True)
found = sorted(p for p in (root / "submission").rglob("*")
               if p.suffix in (".py", ".ipynb") and not p.name.startswith("."))


def fail(message):
    (results / "results.json").write_text(json.dumps(
        {{"score": 0.0, "output": message, "output_format": "text", "tests": []}}))
    sys.exit(0)


if not found:
    fail("No .py or .ipynb file was submitted for {id}.")
env = {{**os.environ, "PYTHONPATH": str(source)}}
done = subprocess.run(
    [sys.executable, "-m", "grader", "grade", str(found[0]), "--problem", "{id}",
     "--problems", str(source / "problems"), "--format", "gradescope", "--no-report"],
    cwd=source, env=env, capture_output=True, text=True)
if done.returncode not in (0, 1) or not done.stdout.strip():
    fail("The grader could not grade this submission: " + done.stderr.strip()[-2000:])
(results / "results.json").write_text(done.stdout)
"""


def gradescope(spec: Path, out: Path) -> list[str]:
    """Write the autograder zip of the problem at ``spec`` to ``out``; returns its names.

    The zip carries the grader without its shipped pack: only this problem's spec and reference.
    """
    problem = load_problem(spec)  # refuse to export a problem that does not load
    problem_id = problem.id
    package = Path(grader.__file__).resolve().parent
    files: dict[str, Path] = {
        f"grader/{p.relative_to(package)}": p
        for p in sorted(package.rglob("*"))
        if p.is_file()
        and p.suffix in {".py", ".j2", ".typed"}
        and "__pycache__" not in p.parts
        and p.relative_to(package).parts[0] != "pack"
    }
    files[f"problems/{spec.name}"] = spec
    files[f"reference/{problem.reference.name}"] = problem.reference
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text, mode in (
                ("setup.sh", SETUP, 0o755),
                ("run_autograder", RUN.format(id=problem_id), 0o755),
            ):
                info = zipfile.ZipInfo(name)
                info.external_attr = (0o100000 | mode) << 16
                archive.writestr(info, text)
            for name, path in files.items():
                archive.write(path, name)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    return ["setup.sh", "run_autograder", *files]
