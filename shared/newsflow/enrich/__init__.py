"""Article enrichment: entities, topics, keywords, language, reading time and a near-duplicate fingerprint."""

from newsflow.enrich.pipeline import Enricher, EnrichmentFailure, enrich_batch

__all__ = ["Enricher", "EnrichmentFailure", "enrich_batch"]
