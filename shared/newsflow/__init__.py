"""newsflow: the shared library used by the ingest, enrichment and indexer services."""

__version__ = "0.1.0"
