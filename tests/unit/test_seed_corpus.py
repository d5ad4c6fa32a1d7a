"""The committed seed corpus (seeds/corpus.jsonl): valid articles, varied, with updates and wire copies."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from newsflow.enrich.fingerprint import hamming_distance, is_near_duplicate, simhash
from newsflow.ingest.contract import ArticleIn, scoped_id
from newsflow.ingest.html_text import looks_like_html, plain_text
from newsflow.local import corpus as corpus_module
from newsflow.local.run import load_seeds, push_seeds
from newsflow.models import RawArticle

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "seeds" / "corpus.jsonl"
GENERATOR = [sys.executable, "-m", "newsflow.local.corpus"]
FIELDS = {
    "id", "source", "url", "title", "body", "published_at", "updated_at", "revision", "authors", "section",
    "language", "tags",
}  # fmt: skip


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _wire_pairs(records: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(original, copy): a copy is tagged "wire" and shares the original's trailing story number."""
    originals = {
        r["id"].rsplit("-", 1)[1]: r for r in records if r["source"] == "metro-wire" and r["revision"] == 1
    }
    return [(originals[r["id"].rsplit("-", 1)[1]], r) for r in records if "wire" in r["tags"]]


def test_every_line_is_an_article_in_the_ingest_contract(records: list[dict[str, Any]]) -> None:
    assert len(records) >= 220
    for record in records:
        assert set(record) == FIELDS, record["id"]
        ArticleIn.model_validate(record)
        raw = RawArticle.model_validate(record)
        assert raw.published_at is not None and raw.updated_at is not None
        assert raw.revision >= 1


def test_the_corpus_is_varied(records: list[dict[str, Any]]) -> None:
    latest = {r["id"]: r for r in records}
    assert len(latest) >= 200
    assert len({r["source"] for r in records}) >= 4
    assert len({r["section"] for r in records}) >= 8
    languages = Counter(r["language"] for r in latest.values())
    assert len(languages) >= 4
    assert 0.08 <= 1 - languages["en"] / len(latest) <= 0.2  # about one article in eight is not English
    assert len({r["title"] for r in latest.values()}) >= 0.9 * len(latest)


def test_bodies_have_a_realistic_length_and_no_template_leftovers(records: list[dict[str, Any]]) -> None:
    for record in records:
        text = plain_text(record["body"])
        assert 250 <= len(text.split()) <= 900, record["id"]
        assert text.count("\n\n") >= 3, record["id"]  # a lead and several paragraphs
        for leftover in ("{", "}", "[[", "\x01"):
            assert leftover not in record["body"] + record["title"], (record["id"], leftover)


def test_urls_never_point_at_a_real_site(records: list[dict[str, Any]]) -> None:
    for record in records:
        parts = urlsplit(record["url"])
        assert parts.scheme == "https"
        assert parts.hostname is not None
        assert parts.hostname.endswith(".invalid") or parts.hostname in {"example.com", "www.example.com"}


def test_some_articles_are_updated_with_higher_revisions_later(records: list[dict[str, Any]]) -> None:
    versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:  # file order is the order a replay sends them in
        versions[record["id"]].append(record)
    updated = {k: v for k, v in versions.items() if len(v) > 1}
    assert len(updated) >= 15
    assert any(len(v) >= 3 for v in updated.values())
    for article_id, history in updated.items():
        revisions = [r["revision"] for r in history]
        times = [datetime.fromisoformat(r["updated_at"]) for r in history]
        assert revisions == sorted(set(revisions)), article_id
        assert all(a < b for a, b in itertools.pairwise(times)), article_id
        assert history[-1]["body"] != history[0]["body"], article_id
        assert len({r["published_at"] for r in history}) == 1, article_id


def test_a_few_bodies_are_html_for_the_sanitiser(records: list[dict[str, Any]]) -> None:
    html_bodies = [r["body"] for r in records if looks_like_html(r["body"])]
    assert 3 <= len(html_bodies) <= len(records) // 10
    for body in html_bodies:
        text = plain_text(body)
        assert "<p>" not in text and "&quot;" not in text


def test_wire_copies_are_near_duplicates_and_other_articles_are_not(records: list[dict[str, Any]]) -> None:
    pairs = _wire_pairs(records)
    assert len(pairs) >= 3
    for original, copy in pairs:
        assert copy["source"] != original["source"] and copy["id"] != original["id"]
        assert copy["title"] != original["title"]
        assert is_near_duplicate(simhash(plain_text(original["body"])), simhash(plain_text(copy["body"])))
    copies = {frozenset((o["id"], c["id"])) for o, c in pairs}
    fingerprints = [(r["id"], simhash(plain_text(r["body"]))) for r in records]
    accidental = [
        (a, b)
        for (a, fa), (b, fb) in itertools.combinations(fingerprints, 2)
        if a != b and frozenset((a, b)) not in copies and hamming_distance(fa, fb) <= 3
    ]
    assert accidental == []


def _generator() -> ModuleType:
    return corpus_module


def test_people_are_named_in_full_first_and_by_surname_later(records: list[dict[str, Any]]) -> None:
    generator = _generator()
    male, female = generator.FIRST_NAMES["en"]
    first_names = set(male) | set(female)
    surnames = set(generator.SURNAMES["en"])
    mentions: list[int] = []
    for record in records:
        if record["language"] != "en" or record["revision"] != 1:
            continue
        body = plain_text(record["body"])
        words = [w.strip('.,:;"') for w in body.split()]
        people = {(a, b) for a, b in itertools.pairwise(words) if a in first_names and b in surnames}
        assert people, record["id"]
        for first, last in people:
            assert body.index(last) == body.index(f"{first} {last}") + len(first) + 1, (record["id"], last)
            mentions.append(body.count(last))
    assert sum(mentions) / len(mentions) >= 2.0  # entities recur, so the pipeline has mentions to merge


def test_the_generator_is_deterministic_and_reproduces_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    subprocess.run([*GENERATOR, "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == CORPUS.read_bytes()


def test_the_generator_writes_a_corpus_of_the_requested_size(tmp_path: Path) -> None:
    out = tmp_path / "bench.jsonl"
    subprocess.run([*GENERATOR, "--count", "600", "--out", str(out)], check=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 600
    ids = {json.loads(line)["id"] for line in lines}
    assert 500 <= len(ids) < 600  # the rest are revisions


async def test_seeds_load_with_ids_scoped_by_source_and_are_pushed_with_publisher_ids() -> None:
    """`newsflow run` reads the seeds with scoped ids (what it waits for in the index) and pushes the
    publisher ids, which ingest scopes back to the same ids."""
    articles, errors = load_seeds(ROOT / "seeds")
    assert not errors
    files = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    files.append(json.loads((ROOT / "seeds" / "trump-xi-phone-call.json").read_text(encoding="utf-8")))
    assert sorted(a.id for a in articles) == sorted(f"{r['source']}:{r['id']}" for r in files)
    assert len({a.id for a in articles}) == 224

    sent: list[tuple[str, dict[str, Any]]] = []
    keys = {s: f"key-{s}" for s in {a.source for a in articles}}

    def ingest(request: httpx.Request) -> httpx.Response:  # records what was sent; answers like ingest
        items = json.loads(request.content)["articles"]
        source = {v: k for k, v in keys.items()}[request.headers["authorization"].removeprefix("Bearer ")]
        sent.extend((source, ArticleIn.model_validate(item).model_dump(mode="json")) for item in items)
        results = [
            {"index": i, "status": "accepted", "id": scoped_id(source, it["id"])}
            for i, it in enumerate(items)
        ]
        return httpx.Response(202, json={"accepted": len(items), "rejected": 0, "results": results})

    async with httpx.AsyncClient(transport=httpx.MockTransport(ingest)) as client:
        assert await push_seeds(client, "http://ingest", articles, keys) == len(articles)
    assert all(not item["id"].startswith(f"{source}:") for source, item in sent)
    assert sorted(scoped_id(source, item["id"]) for source, item in sent) == sorted(a.id for a in articles)
