"""The shipped pack: installed with the package, and out of a worker's sight once installed."""

from __future__ import annotations

from pathlib import Path

import pytest

import grader
from grader.problem.catalog import SHIPPED, catalog
from grader.run import launch

ROOT = Path(__file__).resolve().parent.parent


def test_the_pack_is_the_package_data_and_declares_the_course_order(tmp_path: Path) -> None:
    # the installed package's own folder (the repository's under an editable install), holding
    # every file of the repository's pack: package data, not a path into the source tree
    assert Path(grader.__file__).resolve().parent / "pack" == SHIPPED
    source = ROOT / "grader" / "pack"
    shipped = {p.relative_to(source) for p in source.rglob("*") if p.suffix in {".yaml", ".py"}}
    assert shipped and all((SHIPPED / p).is_file() for p in shipped)
    found = catalog(cwd=tmp_path)
    assert found.local is None and found.shipped == SHIPPED / "problems"
    assert found.order[:3] == ("softmax", "log_softmax", "softmax_jacobian")
    assert set(found.order) == {p.stem for p in (SHIPPED / "problems").glob("*.yaml")}


def test_a_local_course_orders_its_problems_first(tmp_path: Path) -> None:
    (tmp_path / "problems").mkdir()
    spec = (SHIPPED / "problems" / "softmax.yaml").read_text()
    (tmp_path / "problems" / "mine.yaml").write_text(spec.replace("id: softmax", "id: mine"))
    (tmp_path / "course.yaml").write_text("title: Mine\norder: [mine, softmax_jacobian]\n")
    found = catalog(cwd=tmp_path / "problems")
    assert found.order[:3] == ("mine", "softmax_jacobian", "softmax")
    assert found.title == "Mine" and found.origin("mine") == "local"


def test_landlock_reads_carve_the_pack_out_even_through_a_symlink(tmp_path: Path) -> None:
    site = tmp_path / "venv" / "lib" / "site-packages"
    pack = site / "grader" / "pack"
    (pack / "problems").mkdir(parents=True)
    (site / "numpy").mkdir()
    (site / "grader" / "run").mkdir()
    (tmp_path / "venv" / "lib64").symlink_to("lib")  # as python -m venv makes it
    allowed = launch._without([str(tmp_path / "venv"), str(tmp_path / "venv" / "lib64")], pack)
    resolved = {Path(p).resolve() for p in allowed}
    assert site / "numpy" in resolved and site / "grader" / "run" in resolved
    assert not any(pack.is_relative_to(p) or p.is_relative_to(pack) for p in resolved), allowed


def test_bubblewrap_covers_an_installed_pack(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    site = tmp_path / "site-packages"
    (site / "grader" / "pack").mkdir(parents=True)
    monkeypatch.setattr(launch, "PACK", site / "grader" / "pack")
    monkeypatch.setattr(launch, "readable_paths", lambda: [str(site)])
    argv = launch.command("bubblewrap", tmp_path, launch.WORKER, {})
    at = argv.index("--tmpfs", argv.index("--tmpfs") + 1)  # the first one is /tmp
    assert argv[at + 1] == str(site / "grader" / "pack")
