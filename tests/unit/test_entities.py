"""Entities as a newsroom editor expects them: normalised, merged, typed and ranked."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.enrich.entities import Mention, build_entities, extract_entities, normalise_mention
from newsflow.enrich.nlp import cached_nlp
from newsflow.models import Entity

SEED = Path("/work/shared/seed-articles/trump-xi-phone-call.txt")
SEED_FALLBACK = Path(__file__).resolve().parents[1] / "data" / "trump-xi-phone-call.txt"


def _seed() -> tuple[str, str]:
    path = SEED if SEED.exists() else SEED_FALLBACK
    if not path.exists():
        pytest.skip("seed article not available")
    title, body = path.read_text(encoding="utf-8").split("\n", 1)
    return title, body


@pytest.fixture(scope="module")
def seed_entities() -> dict[str, Entity]:
    title, body = _seed()
    nlp = cached_nlp("en_core_web_sm")
    entities = extract_entities(title, body, nlp(title), nlp(body))
    return {e.name: e for e in entities}


# What an editor expects on the seed article (en_core_web_sm as the base, normalised and merged).
EXPECTED = {
    "Donald Trump": "person",
    "Xi Jinping": "person",
    "Joe Biden": "person",
    "Han Zheng": "person",
    "China": "place",
    "Beijing": "place",
    "U.S.": "place",
    "Chinese": "group",
    "TikTok": "organization",
    "ByteDance": "organization",
    "Truth Social": "organization",
    "Supreme Court": "organization",
    "Chinese Communist Party": "organization",
    "Chinese Foreign Ministry": "organization",
}


def test_seed_article_has_the_entities_an_editor_expects(seed_entities: dict[str, Entity]) -> None:
    assert {name: e.type for name, e in seed_entities.items()} == EXPECTED


def test_seed_article_ranks_trump_then_xi(seed_entities: dict[str, Entity]) -> None:
    ranked = sorted(seed_entities.values(), key=lambda e: -e.salience)
    assert [e.name for e in ranked[:2]] == ["Donald Trump", "Xi Jinping"]
    assert ranked[0].salience > 0.9


def test_short_names_are_merged_into_the_full_name(seed_entities: dict[str, Entity]) -> None:
    title, body = _seed()
    trump = seed_entities["Donald Trump"]
    texts = {(title if s.field == "title" else body)[s.start : s.end] for s in trump.spans}
    assert texts == {"Donald Trump", "Trump"}
    assert trump.mentions == len(trump.spans) >= 10
    assert trump.label == "PERSON"  # spaCy tags many "Trump" mentions ORG; the full name decides
    assert seed_entities["Xi Jinping"].mentions >= 6
    assert seed_entities["Joe Biden"].mentions == 2


def test_headline_is_not_glued_into_an_entity(seed_entities: dict[str, Entity]) -> None:
    title, _ = _seed()
    assert not any("Confirms" in name or "Phone" in name for name in seed_entities)
    title_spans = {
        name: [title[s.start : s.end] for s in e.spans if s.field == "title"]
        for name, e in seed_entities.items()
    }
    assert title_spans["Donald Trump"] == ["Trump"]
    assert title_spans["Xi Jinping"] == ["Xi Jinping"]


def test_offsets_point_at_the_mentions(seed_entities: dict[str, Entity]) -> None:
    title, body = _seed()
    for entity in seed_entities.values():
        for span in entity.spans:
            text = (title if span.field == "title" else body)[span.start : span.end]
            assert text and text[0].isalnum() and text[-1] not in "’'\"“”"
            assert not text.lower().startswith("the ")


def test_compound_is_split_into_known_places(seed_entities: dict[str, Entity]) -> None:
    assert "U.S.-China" not in seed_entities
    assert seed_entities["China"].mentions == 5
    assert seed_entities["U.S."].mentions == 4


def test_no_dates_or_numbers(seed_entities: dict[str, Entity]) -> None:
    assert not {"Friday", "2024", "2017", "two", "second", "Monday"} & set(seed_entities)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("the Chinese Communist Party’s", "Chinese Communist Party"),
        ("The Supreme Court's", "Supreme Court"),
        ("“Truth Social”", "Truth Social"),
        ("Democrats’", "Democrats"),
        ("U.S.", "U.S."),
        ("(ByteDance),", "ByteDance"),
        ("2024", None),
        ("“”", None),
    ],
)
def test_normalise_mention(raw: str, expected: str | None) -> None:
    result = normalise_mention(raw, 10)
    if expected is None:
        assert result is None
    else:
        assert result is not None
        text, start = result
        assert text == expected
        assert raw[start - 10 : start - 10 + len(text)] == expected


def _m(text: str, label: str, start: int, field: str = "body") -> Mention:
    return Mention(text, label, field, start, start + len(text))  # type: ignore[arg-type]


def test_ambiguous_surname_is_not_merged() -> None:
    body = "Donald Trump met Melania Trump. Trump said."
    entities = build_entities(
        "",
        body,
        [],
        [_m("Donald Trump", "PERSON", 0), _m("Melania Trump", "PERSON", 17), _m("Trump", "PERSON", 32)],
    )
    assert {e.name for e in entities} == {"Donald Trump", "Melania Trump", "Trump"}


def test_nationality_is_never_merged_into_an_organisation() -> None:
    body = "Chinese Communist Party officials and Chinese firms."
    entities = build_entities(
        "", body, [], [_m("Chinese Communist Party", "ORG", 0), _m("Chinese", "NORP", 37)]
    )
    assert {e.name: e.type for e in entities} == {
        "Chinese Communist Party": "organization",
        "Chinese": "group",
    }


def test_title_only_headline_fragment_is_dropped() -> None:
    title = "Acme Unveils ‘Big’ Plan"
    entities = build_entities(
        title, "Nothing named here.", [_m("Acme Unveils ‘Big’ Plan", "ORG", 0, "title")], []
    )
    assert entities == ()


def test_capitalised_common_words_are_not_entities() -> None:
    body = "Turnout was high on Sunday. Observers said turnout beat 2019. Maria Okafor voted early."
    entities = build_entities(
        "",
        body,
        [],
        [_m(name, "PERSON", body.index(name)) for name in ("Turnout", "Observers", "Maria Okafor")],
    )
    assert [e.name for e in entities] == ["Maria Okafor"]


def test_a_one_word_name_inside_a_sentence_stays() -> None:
    body = "Talks resumed after Okonjo arrived in Lagos."
    mentions = [_m("Okonjo", "PERSON", body.index("Okonjo")), _m("Lagos", "GPE", body.index("Lagos"))]
    entities = build_entities("", body, [], mentions)
    assert {e.name for e in entities} == {"Okonjo", "Lagos"}
