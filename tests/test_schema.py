"""The published JSON Schema is generated from the loader's own table and agrees with it."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from grader.problem import schema

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "grader" / "pack"  # the shipped problems and references
PUBLISHED = ROOT / "docs" / "problem.schema.json"


def test_the_published_schema_is_the_generated_one() -> None:
    assert PUBLISHED.read_text() == schema.render(), (
        "run: python -m grader.problem.schema > " + str(PUBLISHED.relative_to(ROOT))
    )


def test_the_schema_is_valid_draft_07() -> None:
    jsonschema.Draft7Validator.check_schema(schema.json_schema())


@pytest.mark.parametrize("spec", sorted((PACK / "problems").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_spec_satisfies_the_schema(spec: Path) -> None:
    jsonschema.validate(yaml.safe_load(spec.read_text()), schema.json_schema())


@pytest.mark.parametrize(
    "change",
    [
        {"tolerence": 1},
        {"check": {"atol": 1e-4, "tolerence": 1}},
        {"title": 3},
        {"limits": {"time_per_case": "fast"}},
        {"arguments": {"x": "tensor"}},
        {"examples": [{"name": "a", "args": [1, "two"]}]},
        {"arguments": {"x": "float | tensor"}},
        {"result": {"tuple": [], "name": "r"}},
        {"examples": [{"name": "a", "calls": [{"call": "step", "repeat": 0}]}]},
        {"generated": [{"name": "g", "generator": "g", "count": 0, "seed": 1}]},
    ],
)
def test_the_schema_rejects_what_the_loader_rejects(change: dict) -> None:
    spec = yaml.safe_load((PACK / "problems" / "softmax_jacobian.yaml").read_text())
    spec.update(change)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spec, schema.json_schema())


def test_every_key_is_documented() -> None:
    for section, keys in schema.SPEC.items():
        for key, spec in keys.items():
            assert spec.doc, f"{section}.{key}"
            assert spec.kind in schema.KINDS or spec.kind.split(":")[0] in {"section", "list"}


def test_the_authoring_guide_lists_every_key() -> None:
    guide = (ROOT / "docs" / "authoring.md").read_text()
    table = guide.split("<!-- keys:start -->\n")[1].split("<!-- keys:end -->")[0]
    assert table == schema.markdown(), "regenerate the table in docs/authoring.md"
