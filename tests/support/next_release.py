"""What the next release's producers write, for the contract tests (docs/contracts.md).

Today's records with only the changes the policy calls compatible, so today's consumers must read
them without a dead letter:

- the raw article gains an optional field (``subtitle``), as a newer ingest would write it;
- the enrichment gains an optional field (``sentiment``), an entity gains one (``wikidata``), an
  entity of a new type (``date``, mentioned in a new span field ``subtitle``) and a topic with a
  code today's taxonomy does not have, as a newer enrichment would write them.

:data:`SITE` is a directory with a ``sitecustomize.py`` that makes a service process write these
records (see :func:`next_release_env`).

And a version 2 of the raw and enriched articles with its readers (:data:`RAW_V2`,
:data:`ENRICHED_V2`), as the release after a breaking change would have them: records of version 1,
written by today's code, must stay readable by it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import orjson

from newsflow.models import EnrichedArticle, RawArticle
from newsflow.versions import Reader

SUBTITLE = "A line only the next release writes"
NEW_ENTITY_TYPE = "date"
NEW_TOPIC: dict[str, Any] = {"code": "medtop:99000000", "label": "next taxonomy topic", "score": 0.5}
SENTIMENT = 0.25
SITE = Path(__file__).resolve().parent / "next_release_site"
ROOT = Path(__file__).resolve().parents[2]


def next_raw(value: bytes) -> bytes:
    """A raw article as the next ingest writes it: with a ``subtitle``."""
    data = orjson.loads(value)
    data["subtitle"] = SUBTITLE
    return orjson.dumps(data)


def next_enriched(value: bytes) -> bytes:
    """An enriched article as the next enrichment writes it (a retraction only gains the subtitle)."""
    data = orjson.loads(value)
    data["article"].setdefault("subtitle", SUBTITLE)
    enrichment = data["enrichment"]
    if enrichment is not None:
        enrichment["sentiment"] = SENTIMENT
        for entity in enrichment["entities"]:
            entity["wikidata"] = None
        span = {"field": "subtitle", "start": 0, "end": 6}
        enrichment["entities"].append(
            {
                "name": "Monday",
                "type": NEW_ENTITY_TYPE,
                "label": "DATE",
                "mentions": 1,
                "salience": 0.1,
                "spans": [span],
            }
        )
        enrichment["topics"].append(NEW_TOPIC)
    return orjson.dumps(data)


def next_release_env() -> dict[str, str]:
    """The environment that makes a service process run as the next release (its producer writes
    :func:`next_enriched` / :func:`next_raw` records): ``sitecustomize`` first on its path."""
    path = [str(SITE), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in path if p)}


class RawArticleV2(RawArticle):
    """A hypothetical version 2 of the raw article: ``authors`` became ``bylines`` with a role."""

    schema_version: Literal[2] = 2  # type: ignore[assignment]
    bylines: tuple[dict[str, str], ...] = ()


class EnrichedArticleV2(EnrichedArticle):
    """Version 2 of the enriched article: it carries a version-2 raw article."""

    schema_version: Literal[2] = 2  # type: ignore[assignment]
    article: RawArticleV2


def upgrade_raw_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 raw article as version 2."""
    authors = data.pop("authors", [])
    return {**data, "schema_version": 2, "bylines": [{"name": a, "role": "author"} for a in authors]}


def upgrade_enriched_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 enriched article as version 2."""
    return {**data, "schema_version": 2, "article": upgrade_raw_v1(data["article"])}


RAW_V2 = Reader("raw-article", RawArticleV2, 2, {1: upgrade_raw_v1})
ENRICHED_V2 = Reader("enriched-article", EnrichedArticleV2, 2, {1: upgrade_enriched_v1})
