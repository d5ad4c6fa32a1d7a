"""The HTTP article contract: identity, revisions, validation, mapping to RawArticle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from newsflow.ingest.contract import (
    ArticleIn,
    canonical_url,
    default_revision,
    derive_id,
    retraction,
    source_of,
    to_raw,
)

BASE = {"url": "https://news.example.com/a/1", "title": "Title", "body": "Body text."}


def test_canonical_url_normalises_case_fragment_tracking_and_query_order() -> None:
    url = "HTTPS://News.Example.COM:443/a/1?b=2&utm_source=x&a=1&fbclid=zz#comments"
    assert canonical_url(url) == "https://news.example.com/a/1?a=1&b=2"


def test_derived_id_is_stable_across_equivalent_urls_and_differs_for_other_articles() -> None:
    first = derive_id("https://news.example.com/a/1?utm_campaign=rss")
    assert first == derive_id("https://NEWS.example.com/a/1#top")
    assert first.startswith("u-") and len(first) == 34
    assert first != derive_id("https://news.example.com/a/2")
    assert derive_id("https://e.com/x?q=1") != derive_id("https://e.com/x?q=2")


def test_publisher_id_wins_over_derived_id() -> None:
    assert ArticleIn.model_validate({**BASE, "id": "reuters-123"}).article_id() == "reuters-123"
    assert ArticleIn.model_validate(BASE).article_id() == derive_id(BASE["url"])


def test_revision_defaults_to_updated_then_published_epoch_ms() -> None:
    published = datetime(2025, 1, 1, tzinfo=UTC)
    updated = datetime(2025, 1, 2, tzinfo=UTC)
    assert default_revision(updated, published) == int(updated.timestamp() * 1000)
    assert default_revision(None, published) == int(published.timestamp() * 1000)
    assert default_revision(None, None) == 0


def test_identical_requests_map_to_the_same_key_and_revision() -> None:
    data = {**BASE, "updated_at": "2025-03-01T10:00:00+01:00"}
    one, two = (to_raw(ArticleIn.model_validate(data), "acme") for _ in range(2))
    assert (one.id, one.revision) == (two.id, two.revision)
    assert one.updated_at == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_html_body_becomes_plain_text_without_scripts() -> None:
    raw = to_raw(
        ArticleIn.model_validate(
            {**BASE, "body": "<p>Hello &amp; welcome</p><script>alert(1)</script><p>Bye</p>"}
        ),
        "acme",
    )
    assert raw.body == "Hello & welcome\n\nBye"


def test_explicit_text_format_keeps_angle_brackets() -> None:
    raw = to_raw(ArticleIn.model_validate({**BASE, "body": "a <b> c", "body_format": "text"}), "acme")
    assert raw.body == "a <b> c"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unknown": 1}, "unknown"),
        ({"url": "ftp://x.example/a"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"title": "   "}, "title"),
        ({"published_at": "2025-01-01T10:00:00"}, "published_at"),
        ({"revision": -1}, "revision"),
        ({"language": "English"}, "language"),
        ({"id": "has spaces"}, "id"),
        ({"source": "Bad Source"}, "source"),
    ],
)
def test_invalid_articles_name_the_bad_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ArticleIn.model_validate({**BASE, **change})
    assert field in {str(err["loc"][0]) for err in info.value.errors()}


def test_missing_required_fields_are_reported() -> None:
    with pytest.raises(ValidationError) as info:
        ArticleIn.model_validate({})
    assert {"url", "title", "body"} <= {str(err["loc"][0]) for err in info.value.errors()}


def test_a_key_writes_only_its_own_source() -> None:
    assert source_of(ArticleIn.model_validate(BASE), "acme") == ("acme", True)
    assert source_of(ArticleIn.model_validate({**BASE, "source": "acme"}), "acme") == ("acme", True)
    assert source_of(ArticleIn.model_validate({**BASE, "source": "other"}), "acme") == ("other", False)


def test_retraction_is_deleted_with_a_revision_above_timestamp_revisions() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    deleted = retraction("reuters-123", "acme", now=now)
    assert deleted.deleted and deleted.id == "reuters-123" and deleted.source == "acme"
    assert deleted.revision == int(now.timestamp() * 1000)
    assert retraction("reuters-123", "acme", 7).revision == 7
