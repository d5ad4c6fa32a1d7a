"""The enrichment worker service (``python -m services.enrichment``)."""
