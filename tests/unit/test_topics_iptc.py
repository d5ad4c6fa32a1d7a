"""The shipped IPTC topic classifier: loads offline, gives sensible, well-formed topics."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.enrich.topics_iptc import TopicClassifier, analyze, load_taxonomy
from tests.support.articles import SEED_SECOND_TOPIC, SEED_TOPIC, seed_title_body

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "shared" / "newsflow" / "data"

IPTC_TOP_LEVEL = {
    "medtop:01000000": "arts, culture, entertainment and media",
    "medtop:02000000": "crime, law and justice",
    "medtop:03000000": "disaster, accident and emergency incident",
    "medtop:04000000": "economy, business and finance",
    "medtop:05000000": "education",
    "medtop:06000000": "environment",
    "medtop:07000000": "health",
    "medtop:08000000": "human interest",
    "medtop:09000000": "labour",
    "medtop:10000000": "lifestyle and leisure",
    "medtop:11000000": "politics",
    "medtop:12000000": "religion",
    "medtop:13000000": "science and technology",
    "medtop:14000000": "society",
    "medtop:15000000": "sport",
    "medtop:16000000": "conflict, war and peace",
    "medtop:17000000": "weather",
}

CLEAR_CUT = [
    (
        "medtop:15000000",
        "Late winner sends United into the cup final",
        "The striker scored in stoppage time as the home side beat their rivals 2-1 in front of 70,000 "
        "fans. The manager praised his players after a tense semi-final; the final is at Wembley in May.",
    ),
    (
        "medtop:11000000",
        "Opposition wins general election as prime minister concedes defeat",
        "Voters turned out in record numbers and the opposition party won a majority of seats in "
        "parliament. Coalition talks will not be needed; the new government is sworn in next week.",
    ),
    (
        "medtop:04000000",
        "Shares slide as central bank signals further interest rate rises",
        "Stock markets fell after the bank said inflation remained too high. Investors sold bank shares, "
        "bond yields rose and the dollar strengthened; analysts expect slower growth next quarter.",
    ),
    (
        "medtop:07000000",
        "Hospitals under strain as flu cases surge",
        "Doctors and nurses say emergency departments are full. Health officials urged older patients to "
        "get the vaccine as the number of people treated for the virus doubled in a week.",
    ),
    (
        "medtop:17000000",
        "Snow and ice warnings as cold snap grips the north",
        "Forecasters expect up to 20cm of snow on higher ground, with freezing fog and strong winds; "
        "temperatures will fall to minus 10 degrees overnight, the Met Office said.",
    ),
]


@pytest.fixture(scope="module")
def classifier() -> TopicClassifier:
    return TopicClassifier.load()


def test_taxonomy_has_the_17_iptc_top_level_topics() -> None:
    assert {t.code: t.label for t in load_taxonomy()} == IPTC_TOP_LEVEL


def test_model_scores_every_topic_and_names_its_version(classifier: TopicClassifier) -> None:
    assert {t.code for t in classifier.topics} == set(IPTC_TOP_LEVEL)
    taxonomy, _, rest = classifier.version.partition("/")
    model_hash, _, prior = rest.partition("+")
    assert taxonomy == "iptc-mediatopic-top-2024"
    assert len(model_hash) == 12
    assert prior.startswith("prior-")  # the output prior (iptc_topics_prior.json) is part of the version
    assert TopicClassifier.load(with_prior=False).version == f"{taxonomy}/{model_hash}"


def test_the_output_prior_lets_other_topics_win_over_politics(classifier: TopicClassifier) -> None:
    # a storm report that mentions a government: politics without the prior (real news from the
    # evaluation set was filed under politics like this: docs/topics.md, "Output prior")
    title = "Storm floods coastal towns as government sends aid"
    body = (
        "Heavy rain and winds of 120 km/h flooded coastal towns overnight. The government said it would "
        "send aid and the minister visited shelters. Forecasters expect more rain and a second storm on "
        "Thursday; the weather service issued a red warning for the coast."
    )
    raw = TopicClassifier.load(with_prior=False).scores(title, body)
    adjusted = classifier.scores(title, body)
    politics = [t.code for t in classifier.topics].index("medtop:11000000")
    assert adjusted[politics] < raw[politics]
    assert classifier.classify(title, body)[0].code != "medtop:11000000"


def test_shipped_data_is_small() -> None:
    assert sum(p.stat().st_size for p in DATA_DIR.glob("iptc_*")) < 5 * 1024 * 1024


@pytest.mark.parametrize(("expected", "title", "body"), CLEAR_CUT, ids=[c[0] for c in CLEAR_CUT])
def test_clear_cut_articles_get_their_topic_first(
    classifier: TopicClassifier, expected: str, title: str, body: str
) -> None:
    assert classifier.classify(title, body)[0].code == expected


def test_seed_article_trump_xi_call_is_politics_then_economy(classifier: TopicClassifier) -> None:
    topics = classifier.classify(*seed_title_body())
    assert (topics[0].code, topics[0].label) == SEED_TOPIC
    assert SEED_SECOND_TOPIC in [(t.code, t.label) for t in topics[1:]]


def test_topics_are_at_most_three_sorted_scores_in_unit_interval(classifier: TopicClassifier) -> None:
    for _, title, body in CLEAR_CUT:
        topics = classifier.classify(title, body, top_k=10)
        assert 1 <= len(topics) <= 3
        assert all(0.0 <= t.score <= 1.0 for t in topics)
        assert [t.score for t in topics] == sorted((t.score for t in topics), reverse=True)
        assert len({t.code for t in topics}) == len(topics)
    assert len(classifier.classify("Election", "Vote", top_k=1)) == 1
    assert classifier.classify("Election", "Vote", top_k=0) == ()


def test_scores_are_probabilities_over_all_topics(classifier: TopicClassifier) -> None:
    probs = classifier.scores(CLEAR_CUT[0][1], CLEAR_CUT[0][2])
    assert probs.shape == (17,)
    assert abs(float(probs.sum()) - 1.0) < 1e-4


def test_classification_is_deterministic_and_batch_matches_single(classifier: TopicClassifier) -> None:
    items = [(title, body) for _, title, body in CLEAR_CUT]
    first = classifier.classify_batch(items)
    assert first == classifier.classify_batch(items)
    assert first == [classifier.classify(title, body) for title, body in items]
    assert first[0] == TopicClassifier.load().classify(*items[0])


def test_text_without_known_words_still_gets_valid_topics(classifier: TopicClassifier) -> None:
    for title, body in [("", ""), ("1234", "!!! ??? 42"), ("Zxqv", "blorptang")]:
        topics = classifier.classify(title, body)
        assert len(topics) == 3
        assert all(0.0 <= t.score <= 1.0 for t in topics)


def test_analyze_keeps_letter_words_and_bigrams() -> None:
    assert analyze("U.S. tariffs: 25% on China's goods") == [
        "tariffs",
        "on",
        "china",
        "goods",
        "tariffs on",
        "on china",
        "china goods",
    ]
