"""The indexer service: keeps Elasticsearch an exact mirror of the latest revision of every article.

Consumes: :class:`newsflow.models.EnrichedArticle` records from ``news.articles.enriched``.
Produces: documents in Elasticsearch through the alias (``news-articles``), and dead letters
(stage ``indexer``) on ``news.articles.dlq`` for undecodable messages and documents Elasticsearch rejects.
Serves: ``/healthz``, ``/readyz`` and ``/metrics`` on ``NEWSFLOW_INDEXER_HTTP_PORT``.
"""
