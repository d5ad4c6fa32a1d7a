"""What the next release's producers write, for the contract tests (docs/contracts.md).

Today's records with only the changes the policy calls compatible, so today's consumers must read
them without a dead letter:

- the raw article gains an optional field (``subtitle``), as a newer ingest would write it;
- the enrichment gains an optional field (``sentiment``), an entity gains one (``wikidata``), an
  entity of a new type (``date``, mentioned in a new span field ``subtitle``) and a topic with a
  code today's taxonomy does not have, as a newer enrichment would write them.

:data:`SITE` is a directory with a ``sitecustomize.py`` that makes a service process write these
records (see :func:`next_release_env`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

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
