"""Ingest: the article contract, authentication, the Kafka publisher, feed polling and backfill."""
