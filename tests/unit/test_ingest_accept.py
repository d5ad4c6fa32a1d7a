"""The ingest acceptance policy: request bodies of one source's key → raw articles or refusals."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from newsflow.ingest.accept import (
    MAX_FORBIDDEN_LISTED,
    BatchLimits,
    Forbidden,
    Invalid,
    Refused,
    TooLarge,
    accept_article,
    accept_batch,
    accept_retraction,
)

LIMITS = BatchLimits(max_items=5)


def item(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"a-{n}", "url": f"https://example.com/{n}", "title": f"Title {n}", "body": "Body", **extra}


def batch(*items: Any, **extra: Any) -> bytes:
    return orjson.dumps({"articles": list(items), **extra})


def test_valid_items_are_accepted_in_order_with_ids_scoped_by_the_key_source() -> None:
    verdict = accept_batch(batch(item(1), item(2, source="acme"), item(3)), "acme", LIMITS)
    assert verdict.size == 3
    assert verdict.rejected == []
    assert [i for i, _ in verdict.accepted] == [0, 1, 2]
    assert [a.id for a in verdict.articles] == ["acme:a-1", "acme:a-2", "acme:a-3"]
    assert {a.source for a in verdict.articles} == {"acme"}


def test_invalid_items_are_rejected_alone_with_field_errors_and_no_input_echoed() -> None:
    secret_title = "<script>x</script>"
    bad_url = item(2, url="ftp://example.com/2")
    verdict = accept_batch(
        batch(item(1), bad_url, "not an object", item(4, title=secret_title)), "acme", LIMITS
    )
    assert [i for i, _ in verdict.accepted] == [0]
    assert [r.index for r in verdict.rejected] == [1, 2, 3]
    url_error = verdict.rejected[0].errors
    assert [e["loc"] for e in url_error] == [["body", "articles", 1, "url"]]
    assert all(set(e) == {"loc", "msg", "type"} for r in verdict.rejected for e in r.errors)
    assert secret_title not in orjson.dumps([r.errors for r in verdict.rejected]).decode()


def test_results_merge_deliveries_and_rejections_in_item_order() -> None:
    verdict = accept_batch(batch({"url": "x"}, item(2), {}, item(4)), "acme", LIMITS)
    results = verdict.results([{"status": "accepted", "id": "one"}, {"status": "accepted", "id": "two"}])
    assert [(r["index"], r["status"]) for r in results] == [
        (0, "rejected"),
        (1, "accepted"),
        (2, "rejected"),
        (3, "accepted"),
    ]
    assert results[1]["id"] == "one" and results[3]["id"] == "two"
    assert results[0]["errors"]
    with pytest.raises(ValueError):
        verdict.results([{"status": "accepted"}])  # one delivery per accepted article, no fewer


def test_an_item_of_another_source_refuses_the_whole_batch_and_names_the_items() -> None:
    body = batch(item(1), item(2, source="other"), {"bad": True}, item(4, source="other"))
    with pytest.raises(Forbidden) as refused:
        accept_batch(body, "acme", LIMITS)
    assert refused.value.reason == "forbidden"
    assert refused.value.count == 4  # every item of the batch is turned away
    assert "[1, 3]" in refused.value.detail and "nothing was accepted" in refused.value.detail


def test_forbidden_items_listed_are_capped() -> None:
    items = [item(n, source="other") for n in range(MAX_FORBIDDEN_LISTED + 5)]
    with pytest.raises(Forbidden) as refused:
        accept_batch(batch(*items), "acme", BatchLimits(max_items=100))
    assert str(list(range(MAX_FORBIDDEN_LISTED))) in refused.value.detail


def test_more_items_than_the_limit_is_too_large() -> None:
    accept_batch(batch(*(item(n) for n in range(5))), "acme", LIMITS)
    with pytest.raises(TooLarge) as refused:
        accept_batch(batch(*(item(n) for n in range(6))), "acme", LIMITS)
    assert refused.value.reason == "too_large"
    assert refused.value.detail == "batch has 6 items; the limit is 5"


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        (b"{not json", ["body"], "json_invalid"),
        (b"[]", ["body", "articles"], "missing"),
        (b'{"articles": {}}', ["body", "articles"], "missing"),
        (b'{"articles": [], "extra": 1}', ["body", "extra"], "extra_forbidden"),
    ],
)
def test_a_body_of_the_wrong_shape_is_invalid_whole(body: bytes, loc: list[str], kind: str) -> None:
    with pytest.raises(Invalid) as refused:
        accept_batch(body, "acme", LIMITS)
    assert refused.value.reason == "invalid"
    assert [(e["loc"], e["type"]) for e in refused.value.detail] == [(loc, kind)]


def test_an_empty_batch_accepts_nothing() -> None:
    verdict = accept_batch(batch(), "acme", LIMITS)
    assert verdict.size == 0 and verdict.accepted == [] and verdict.rejected == []


def test_single_article_is_accepted_scoped_or_refused() -> None:
    raw = accept_article(orjson.dumps(item(1, body="<p>Hello</p>")), "acme")
    assert raw.id == "acme:a-1" and raw.source == "acme" and raw.body == "Hello"
    with pytest.raises(Forbidden, match="may not write source 'other'"):
        accept_article(orjson.dumps(item(1, source="other")), "acme")
    with pytest.raises(Invalid) as refused:
        accept_article(orjson.dumps(item(1, unknown=1)), "acme")
    assert refused.value.detail[0]["loc"] == ["body", "unknown"]


def test_retraction_targets_only_the_key_source() -> None:
    raw = accept_retraction(b"", "acme", "a-1")
    assert raw.id == "acme:a-1" and raw.deleted and raw.revision > 0
    assert accept_retraction(b'{"revision": 7}', "acme", "acme:a-1").revision == 7
    with pytest.raises(Forbidden, match="may not retract articles of source 'other'"):
        accept_retraction(b"", "acme", "other:a-1")
    with pytest.raises(Invalid) as bad_id:
        accept_retraction(b"", "acme", "not valid id!")
    assert bad_id.value.detail[0]["loc"] == ["path", "article_id"]
    with pytest.raises(Invalid) as bad_body:
        accept_retraction(b'{"revision": -1}', "acme", "a-1")
    assert bad_body.value.detail[0]["loc"] == ["body", "revision"]


def test_every_refusal_is_a_refused_with_a_reason() -> None:
    for exc in (Invalid([]), Forbidden("x"), TooLarge("x")):
        assert isinstance(exc, Refused) and exc.count == 1
    assert {Invalid.reason, Forbidden.reason, TooLarge.reason} == {"invalid", "forbidden", "too_large"}
