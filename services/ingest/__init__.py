"""The ingest service: HTTP push API and feed poller in front of ``news.articles.raw``.

Consumes: HTTP requests (articles, batches, retractions) and RSS/Atom feeds.
Produces: :class:`newsflow.models.RawArticle` records keyed by article id on the raw topic, with
``traceparent``, ``newsflow-schema``, ``content-type`` and ``newsflow-published-at`` headers.
"""
