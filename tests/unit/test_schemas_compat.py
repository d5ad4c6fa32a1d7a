"""The compatibility check of ``make lint`` (newsflow.schemas_compat) on deliberate schema changes.

Each change is made to a real model (or to its exported schema) and compared with the schemas
released in the repository, as ``make lint`` does.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, create_model

from newsflow.models import RawArticle
from newsflow.schemas import json_schemas
from newsflow.schemas_compat import check, load, run
from newsflow.versions import READERS, Reader

RELEASED_DIR = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "released"


def schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


def with_raw(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """Today's schemas with the raw article's replaced by ``model``'s."""
    return {**json_schemas(), "raw-article.v1": schema(model)}


@pytest.fixture(scope="module")
def released() -> dict[str, dict[str, Any]]:
    found = load(RELEASED_DIR)
    assert set(found) == {"raw-article.v1", "enriched-article.v1", "dead-letter.v1"}
    return found


def test_todays_schemas_are_the_released_ones(released: dict[str, dict[str, Any]]) -> None:
    assert check(json_schemas(), released) == []


def test_an_added_optional_field_is_compatible(released: dict[str, dict[str, Any]]) -> None:
    next_raw = create_model("RawArticle", __base__=RawArticle, subtitle=(str | None, None))
    assert "subtitle" in schema(next_raw)["properties"]
    assert check(with_raw(next_raw), released) == []


def test_an_added_required_field_breaks_and_says_what_to_do(
    released: dict[str, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    next_raw = create_model("RawArticle", __base__=RawArticle, subtitle=(str, ...))
    problems = check(with_raw(next_raw), released)
    assert problems == [
        "raw-article.v1: subtitle: added as a required field: records already written do not have it"
    ]
    # run() is what `make lint` calls: exit status 1 and the advice on stderr
    assert run(with_raw(next_raw), RELEASED_DIR) == 1
    err = capsys.readouterr().err
    assert "subtitle: added as a required field" in err
    assert "bump the contract's schema_version" in err and "add a reader" in err


def test_new_and_retired_values_of_an_open_enum_are_compatible(released: dict[str, dict[str, Any]]) -> None:
    current = copy.deepcopy(json_schemas())
    entity_type = current["enriched-article.v1"]["$defs"]["Entity"]["properties"]["type"]
    entity_type["enum"].append("date")
    current["enriched-article.v1"]["$defs"]["Span"]["properties"]["field"]["enum"].remove("title")
    assert check(current, released) == []
    entity_type.pop("x-newsflow-open-enum")
    assert check(current, released) == [
        "enriched-article.v1: enrichment|0.entities[].type: the enum is closed now:"
        " readers of today refuse new values"
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: s["dead-letter.v1"]["properties"]["payload_encoding"]["enum"].append("gzip"),
            'dead-letter.v1: payload_encoding: enum values added ["gzip"]',
        ),
        (
            lambda s: s["raw-article.v1"]["properties"]["revision"].update(type="string"),
            'raw-article.v1: revision: type changed from "integer" to "string"',
        ),
        (
            lambda s: s["raw-article.v1"]["properties"]["url"].update(maxLength=100),
            "raw-article.v1: url: maxLength changed from 2048 to 100",
        ),
        (
            lambda s: s["raw-article.v1"]["required"].remove("body"),
            "raw-article.v1: body: became optional",
        ),
        (
            lambda s: s["raw-article.v1"]["properties"].pop("title"),
            "raw-article.v1: title: a required field was removed",
        ),
        (
            lambda s: s["raw-article.v1"]["properties"]["deleted"].update(default=True),
            "raw-article.v1: deleted: default changed from false to true",
        ),
    ],
    ids=["closed-enum-widened", "type", "constraint", "optional", "removed", "default"],
)
def test_breaking_changes_are_reported(
    released: dict[str, dict[str, Any]], change: Any, expected: str
) -> None:
    current = copy.deepcopy(json_schemas())
    change(current)
    problems = check(current, released)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_a_released_version_needs_a_reader_after_the_bump(released: dict[str, dict[str, Any]]) -> None:
    class RawArticleV2(RawArticle):
        pass  # stands for version 2: what matters here is only which versions have a reader

    current = {**json_schemas()}
    current["raw-article.v2"] = current.pop("raw-article.v1")
    without = {**READERS, "raw-article": Reader("raw-article", RawArticleV2, 2)}
    [problem] = check(current, released, without)
    assert problem.startswith(
        "raw-article.v1: released, and raw-article version 2 has no reader for version 1"
    )
    with_reader = {**READERS, "raw-article": Reader("raw-article", RawArticleV2, 2, {1: dict})}
    assert check(current, released, with_reader) == []
