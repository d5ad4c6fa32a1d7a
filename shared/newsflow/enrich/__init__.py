"""Article enrichment: entities, topics, keywords, language, reading time and a near-duplicate fingerprint.

The package itself imports nothing heavy: ``newsflow.index`` uses :mod:`newsflow.enrich.fingerprint`
and must not pull spaCy in with it (the indexer image ships without spaCy). The pipeline's names are
loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsflow.enrich.pipeline import Enricher, EnrichmentFailure, enrich_batch

__all__ = ["Enricher", "EnrichmentFailure", "enrich_batch"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from newsflow.enrich import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
