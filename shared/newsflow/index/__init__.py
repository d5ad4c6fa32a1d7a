"""The indexing stage: enriched records into Elasticsearch, reindex and search."""
