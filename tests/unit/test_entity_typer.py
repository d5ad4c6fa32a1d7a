"""The learned entity typer: its features, its decisions, its file (checked by hash), its wiring."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

from newsflow.enrich.entities import ALL_RULES, EntityRules, Mention, build_entities
from newsflow.enrich.entity_typer import (
    CLASSES,
    HASH_BUCKETS,
    N_FEATURES,
    TYPER_SHA256,
    EntityTyper,
    EntityTyperError,
    EntityView,
    encode,
    english_typer,
    hashed,
    load_typer,
    name_vector,
    shipped_typer_file,
    sparse_features,
)


def view(canonical: str = "Hera", label: str = "GPE", **kw: object) -> EntityView:
    values: dict[str, object] = {
        "canonical": canonical,
        "label": label,
        "forced": False,
        "mention_labels": (label,),
        "mention_texts": (canonical,),
        "before": ("goddess",),
        "after": ("and",),
        "in_title": False,
        "in_lead": True,
        "sentence_initial": 0.0,
        "lower_case_in_text": False,
    }
    values.update(kw)
    return EntityView(**values)  # type: ignore[arg-type]


def typer_favouring(feature: str, cls: str, retype: float = 0.6, drop: float = 0.6) -> EntityTyper:
    """A typer whose only weight puts ``cls`` far ahead when ``feature`` is present."""
    weights = np.zeros((N_FEATURES, len(CLASSES)), dtype=np.float32)
    keys, _ = hashed({feature: 1.0})
    weights[keys[0], CLASSES.index(cls)] = 10.0
    return EntityTyper(weights, retype, drop)


def test_features_name_the_votes_words_context_and_gazetteer() -> None:
    feats = sparse_features(
        view(
            "Paris",
            "PERSON",
            mention_labels=("PERSON", "GPE"),
            mention_texts=("Paris", "Paris"),
            before=("in", "said"),
            after=("", ","),
        )
    )
    assert feats["vote=PERSON"] == pytest.approx(0.5) and feats["vote=GPE"] == pytest.approx(0.5)
    assert feats["w=paris"] == 1.0 and feats["last+label=paris|PERSON"] == 1.0
    assert feats["before=in"] == pytest.approx(0.5)
    assert "major_place" in feats and "country" not in feats
    assert "country" in sparse_features(view("Burma"))


def test_hashing_is_stable_and_adds_collisions() -> None:
    keys, values = hashed({"w=paris": 1.0, "bias": 2.0})
    again, _ = hashed({"bias": 2.0, "w=paris": 1.0})
    assert sorted(keys.tolist()) == sorted(again.tolist())
    assert all(0 <= k < HASH_BUCKETS for k in keys) and values.sum() == pytest.approx(3.0)


def test_name_vector_is_the_unit_mean_of_known_words() -> None:
    table = {"hera": np.ones(300, dtype=np.float32)}
    vec = name_vector("Hera Unknown", table.get)
    assert float(np.linalg.norm(vec)) == pytest.approx(1.0)
    assert not name_vector("Nobody", table.get).any()
    assert not name_vector("Hera", None).any()


def test_decide_retypes_or_drops_only_when_sure() -> None:
    sure_person = typer_favouring("w=hera", "person")
    assert sure_person.decide(view("Hera", "GPE"), None) == "person"
    assert sure_person.decide(view("Hera", "PERSON"), None) is None  # already its type
    assert sure_person.decide(view("Athens", "GPE"), None) is None  # nothing favours another type
    unsure = typer_favouring("w=hera", "person", retype=1.0)
    probs = unsure.probabilities(encode(view("Hera", "GPE"), None))
    assert probs.argmax() == CLASSES.index("person") and probs.max() < 1.0
    assert unsure.decide(view("Hera", "GPE"), None) is None
    dropper = typer_favouring("w=hegemony", "none")
    assert dropper.decide(view("Hegemony", "ORG", in_lead=False), None) == "none"
    assert dropper.decide(view("Hegemony", "NORP", in_lead=False), None) is None  # scored types only


def test_build_entities_applies_the_typer() -> None:
    body = "Hera was worshipped in Argos. The goddess Hera had a temple."
    mentions = [
        Mention("Hera", "GPE", "body", 0, 4),
        Mention("Argos", "GPE", "body", 23, 28),
        Mention("Hera", "GPE", "body", 46, 50),
    ]

    def types(typer: EntityTyper | None, rules: EntityRules = ALL_RULES) -> dict[str, str]:
        return {e.name: e.type for e in build_entities("", body, [], mentions, rules, typer=typer)}

    assert types(None) == {"Hera": "place", "Argos": "place"}
    assert types(typer_favouring("w=hera", "person")) == {"Hera": "person", "Argos": "place"}
    # "Argos" is in the lead: no entity there is dropped, however sure the typer is
    assert types(typer_favouring("w=argos", "none")) == {"Hera": "place", "Argos": "place"}
    off = dataclasses.replace(ALL_RULES, entity_typer=False)
    assert types(typer_favouring("w=hera", "person"), off) == {"Hera": "place", "Argos": "place"}


def test_no_entity_only_for_a_name_used_once_outside_title_and_lead_and_unknown_to_the_gazetteer() -> None:
    dropper = typer_favouring("bias", "none")
    once_late = {"in_lead": False}
    assert dropper.decide(view("Hegemony", "ORG", **once_late), None) == "none"
    assert dropper.decide(view("Hegemony", "ORG"), None) is None  # in the lead
    assert dropper.decide(view("Hegemony", "ORG", in_lead=False, in_title=True), None) is None
    twice = {"mention_labels": ("ORG", "ORG"), "mention_texts": ("Hegemony", "Hegemony")}
    assert dropper.decide(view("Hegemony", "ORG", in_lead=False, **twice), None) is None
    assert dropper.decide(view("Burma", "GPE", **once_late), None) is None  # a country
    assert dropper.decide(view("OSLO", "GPE", **once_late), None) is None  # a known city, in capitals


def test_the_file_round_trips_and_a_changed_file_is_refused(tmp_path: Path) -> None:
    typer = typer_favouring("w=hera", "person", 0.7, 0.8)
    path = tmp_path / "typer.npz"
    path.write_bytes(typer.to_bytes())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    loaded = load_typer(path, digest)
    assert (loaded.retype_threshold, loaded.drop_threshold) == (0.7, 0.8)
    assert np.array_equal(loaded.weights, typer.weights)
    with pytest.raises(EntityTyperError, match="refused.*expected " + "0" * 64):
        load_typer(path, "0" * 64)
    with pytest.raises(EntityTyperError, match="not readable"):
        load_typer(tmp_path / "missing.npz", digest)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not an npz")
    with pytest.raises(EntityTyperError, match="unreadable"):
        load_typer(bad, hashlib.sha256(b"not an npz").hexdigest())


def test_the_shipped_typer_loads_for_md_only() -> None:
    assert hashlib.sha256(shipped_typer_file().read_bytes()).hexdigest() == TYPER_SHA256
    typer = english_typer(True, "en_core_web_md-3.8.0+ner-1222fa795064")
    assert typer is not None and typer.weights.shape == (N_FEATURES, len(CLASSES))
    assert 0.0 < typer.retype_threshold <= 1.0 and 0.0 < typer.drop_threshold <= 1.0
    assert english_typer(True, "en_core_web_sm-3.8.0") is None
    assert english_typer(False, "en_core_web_md-3.8.0") is None


def _training_tool():  # type: ignore[no-untyped-def]
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "training" / "tools" / "train_entity_typer.py"
    spec = importlib.util.spec_from_file_location("train_entity_typer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_training_gives_each_entity_the_class_of_the_labelled_entity_it_names() -> None:
    gold_class = _training_tool().gold_class
    labels = [
        {"type": "org", "canonical": "Senate Banking Committee", "forms": ["Senate Banking Committee"]},
        {"type": "gpe", "canonical": "United States", "forms": ["US", "U.S."]},
        {"type": "person", "canonical": "Phil Knight", "forms": ["Knight"]},
    ]
    assert gold_class(["U.S."], labels) == "place"  # a form, compared as the evaluation compares
    assert gold_class(["Philip Knight", "Knight"], labels) == "person"  # most of its names
    # a span run long by a word is that entity; a short form inside a long name is not
    assert gold_class(["U.S. Senate Banking Committee"], labels) == "organization"
    assert gold_class(["U.S. House Committee on Financial Services"], labels) == "none"
    assert gold_class(["Hegemony"], labels) == "none"
