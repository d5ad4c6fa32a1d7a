"""Loaded at start-up by a service process whose PYTHONPATH starts here (tests only): it makes the
process behave as the next release, whose producers write the compatible additions of
tests/support/next_release.py on top of what today's code writes. Nothing else changes."""

from __future__ import annotations

from pydantic import BaseModel

import newsflow.enrich.records as enrich_records
import newsflow.ingest.publisher as publisher
from newsflow.models import EnrichedArticle, RawArticle
from tests.support.next_release import next_enriched, next_raw

_encode = enrich_records.encode


def _next_encode(model: BaseModel) -> bytes:
    value = _encode(model)
    if isinstance(model, EnrichedArticle):
        return next_enriched(value)
    if isinstance(model, RawArticle):
        return next_raw(value)
    return value


enrich_records.encode = _next_encode
publisher.encode = _next_encode
