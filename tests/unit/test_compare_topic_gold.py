"""The topic-annotation comparison (evaluation/tools/compare_topic_gold.py) on a tiny hand-made case."""

from __future__ import annotations

import pytest

from evaluation.tools.compare_topic_gold import compare
from newsflow.enrich.evaluation import TopicGold

POL, ECO, SPO, CON = "medtop:11000000", "medtop:04000000", "medtop:15000000", "medtop:16000000"


def test_counts_on_a_hand_made_case() -> None:
    first = {
        "a": TopicGold(POL),  # same primary
        "b": TopicGold(POL, frozenset({ECO})),  # second says ECO: fine for first, not the reverse
        "c": TopicGold(SPO),  # second says CON, neither accepts the other
        "d": TopicGold(CON, frozenset({POL})),  # second says POL and accepts CON: compatible both ways
        "only-first": TopicGold(SPO),  # not in second: not compared
    }
    second = {
        "a": TopicGold(POL),
        "b": TopicGold(ECO),
        "c": TopicGold(CON),
        "d": TopicGold(POL, frozenset({CON})),
        "only-second": TopicGold(ECO),
    }
    agreement = compare(first, second)
    assert agreement.n == 4
    assert agreement.same_primary == 1
    assert (agreement.second_ok_for_first, agreement.first_ok_for_second, agreement.both_ok) == (3, 2, 2)
    assert agreement.differing == [("b", POL, ECO), ("c", SPO, CON), ("d", CON, POL)]
    # acceptable sets: a 1/1, b {POL,ECO}∩{ECO} 1/2, c 0/2, d {CON,POL} both 2/2
    assert agreement.overlap_sum == pytest.approx(2.5)
    # first: POL 2, SPO 1, CON 1; second: POL 2, ECO 1, CON 1; agreed on POL once
    assert agreement.topic_agreement(POL) == pytest.approx(2 * 1 / 4)
    assert agreement.topic_agreement(SPO) == 0.0
    assert agreement.topic_agreement("medtop:17000000") is None
    # observed 1/4; chance (2·2 + 1·1) / 16 = 5/16; kappa = (4/16 - 5/16) / (11/16) = -1/11
    assert agreement.kappa == pytest.approx(-1 / 11)


def test_identical_annotations_agree_fully() -> None:
    gold = {"a": TopicGold(POL), "b": TopicGold(SPO), "c": TopicGold(ECO, frozenset({POL}))}
    agreement = compare(gold, gold)
    assert agreement.same_primary == agreement.both_ok == 3
    assert agreement.kappa == pytest.approx(1.0)
    assert agreement.differing == []
