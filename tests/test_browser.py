"""The HTML report in a real browser (headless Chromium): what a person sees is there.

Skipped where Chromium is not installed (`.ci/run` installs Debian's package). The screenshot is
kept in `.artifacts/report.png`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.pipeline import grade
from grader.report import html

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references
ARTIFACTS = ROOT / ".artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = grade(
        ROOT / "tests" / "golden" / "wrong_missing_else" / "solution.py",
        "softmax_jacobian",
        PACK / "problems",
    )
    path = tmp_path_factory.mktemp("report") / "report.html"
    html.write(result, path)
    return path


def test_the_browser_shows_score_failures_heatmap_and_hidden_table(
    report: Path, tmp_path: Path
) -> None:
    dom = chromium("--dump-dom", report.as_uri(), profile=tmp_path / "profile").stdout
    assert re.search(r'<span class="score fail">0%</span>', dom)
    example = dom.split('id="example-1"')[1].split("</section>")[0]
    assert example.count('class="bad"') == 3  # the three differing diagonal entries
    assert "-0.4425*" in example and "Hint: Your diagonal equals -s_i^2" in example
    assert example.count("<rect") >= 9 and example.count(">×</text>") == 3  # heatmap, marks
    hidden = dom.split('id="hidden"')[1].split("</table>")[0]
    assert "large logits (overflow)" in hidden and "wrong answer" in hidden
    assert "1000" not in hidden.replace("n = 1000", "") and "0.0819" not in hidden


def test_a_screenshot_is_kept(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"  # this test's own file: another run may be shooting its own
    chromium(
        "--window-size=1000,1400",
        f"--screenshot={shot}",
        report.as_uri(),
        profile=tmp_path / "profile",
    )
    assert shot.is_file() and shot.stat().st_size > 20_000
    ARTIFACTS.mkdir(exist_ok=True)
    kept = ARTIFACTS / f".report-{os.getpid()}.png"
    shutil.copyfile(shot, kept)
    kept.replace(ARTIFACTS / "report.png")  # whole, even with two runs at once
