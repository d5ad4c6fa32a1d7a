"""The HTTP article contract: identity (scoped by source), revisions, validation, mapping to RawArticle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from newsflow.ingest.contract import (
    ArticleIn,
    ForeignSourceId,
    canonical_url,
    default_revision,
    derive_id,
    publisher_id,
    retraction,
    retraction_id,
    scoped_id,
    source_of,
    to_raw,
)
from newsflow.models import ARTICLE_ID_MAX_LENGTH, RawArticle

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
    assert ArticleIn.model_validate({**BASE, "id": "reuters-123"}).publisher_id() == "reuters-123"
    assert ArticleIn.model_validate(BASE).publisher_id() == derive_id(BASE["url"])


def test_scoped_id_prefixes_the_source_once() -> None:
    assert scoped_id("acme", "reuters-123") == "acme:reuters-123"
    assert scoped_id("acme", "acme:reuters-123") == "acme:reuters-123"  # already scoped: kept
    assert scoped_id("acme", "urn:x:1") == "acme:urn:x:1"  # a publisher id may contain ':'
    assert scoped_id("acme", "other:reuters-123") == "acme:other:reuters-123"  # never another source's
    assert scoped_id("acme", "acme:") == "acme:acme:"  # "acme:" is a publisher id, not a scoped one
    for local in ("reuters-123", "acme:reuters-123", "urn:x:1", "acme:", "acme:acme:x", "a" * 200):
        once = scoped_id("acme", local)
        assert scoped_id("acme", once) == once
        assert publisher_id("acme", once) == publisher_id("acme", local)
    assert publisher_id("acme", "acme:reuters-123") == "reuters-123"
    assert publisher_id("acme", "other:reuters-123") == "other:reuters-123"


def test_scoped_id_length_limits() -> None:
    longest_source, longest_local = "s" * 64, "p" * 200
    longest = scoped_id(longest_source, longest_local)
    assert len(longest) == ARTICLE_ID_MAX_LENGTH == 265
    assert (
        RawArticle.model_validate({"id": longest, "source": longest_source, **BASE, "revision": 1}).id
        == longest
    )
    assert scoped_id(longest_source, longest) == longest
    with pytest.raises(ValueError, match="article id"):
        scoped_id("acme", "p" * 201)
    with pytest.raises(ValueError, match="article id"):
        scoped_id("acme", "")
    with pytest.raises(ValueError, match="article id"):
        scoped_id("acme", "acme:has spaces")
    with pytest.raises(ValueError, match="source"):
        scoped_id("s" * 65, "x")
    with pytest.raises(ValueError, match="source"):
        scoped_id("Bad:Source", "x")
    with pytest.raises(ValidationError):
        RawArticle.model_validate({"id": longest + "x", "source": "acme", **BASE, "revision": 1})
    with pytest.raises(ValidationError):  # the HTTP input keeps the 200-character publisher id limit
        ArticleIn.model_validate({**BASE, "id": "p" * 201})


def test_two_sources_with_the_same_publisher_id_get_different_ids() -> None:
    same = ArticleIn.model_validate({**BASE, "id": "story-1"})
    derived = ArticleIn.model_validate(BASE)
    assert to_raw(same, "acme").id == "acme:story-1"
    assert to_raw(same, "other").id == "other:story-1"
    assert to_raw(derived, "acme").id == "acme:" + derive_id(BASE["url"])
    assert to_raw(derived, "acme").id != to_raw(derived, "other").id
    # An id that the API returned, sent again by the same source, is not prefixed twice.
    again = ArticleIn.model_validate({**BASE, "id": to_raw(same, "acme").id})
    assert to_raw(again, "acme").id == "acme:story-1"
    # A key of "other" sending "acme:story-1" gets an id of its own source, never acme's article.
    assert to_raw(again, "other").id == "other:acme:story-1"


def test_retraction_id_stays_inside_the_key_source() -> None:
    assert retraction_id("acme", "story-1") == "acme:story-1"
    assert retraction_id("acme", "acme:story-1") == "acme:story-1"
    assert retraction_id("acme", "acme:urn:x") == "acme:urn:x"
    assert retraction_id("acme", "URN:x") == "acme:URN:x"  # not source-like: a publisher id
    with pytest.raises(ForeignSourceId) as info:
        retraction_id("acme", "other:story-1")
    assert info.value.source == "other"
    with pytest.raises(ForeignSourceId):
        retraction_id("acme", "urn:x")  # ambiguous: must be sent as acme:urn:x
    for bad in ("", "has spaces", "-x", "p" * 201, "acme:" + "p" * 201):
        with pytest.raises(ValueError):
            retraction_id("acme", bad)


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
    assert deleted.deleted and deleted.id == "acme:reuters-123" and deleted.source == "acme"
    assert retraction("acme:reuters-123", "acme", now=now).id == "acme:reuters-123"
    assert deleted.revision == int(now.timestamp() * 1000)
    assert retraction("reuters-123", "acme", 7).revision == 7
