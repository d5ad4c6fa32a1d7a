"""The check every fault scenario ends with (:func:`assert_exact`): the accepted article ids are
exactly the ids indexed plus the ids dead-lettered; no id is both indexed and dead-lettered; the DLQ
holds one record per id; every document is at the latest accepted revision."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from newsflow.models import DeadLetter
from tests.support.elasticsearch import Doc, es_docs
from tests.support.kafka import dlq_id, read_dlq
from tests.support.pipelines import Pipeline

CONVERGE_S = 300.0


@dataclass
class Outcome:
    """Where every accepted id ended up."""

    expected: dict[str, int]
    docs: dict[str, Doc]
    letters: list[DeadLetter]

    @property
    def dlq_ids(self) -> Counter[str]:
        return Counter(dlq_id(letter) for letter in self.letters)

    @property
    def lost(self) -> set[str]:
        return set(self.expected) - set(self.docs) - set(self.dlq_ids)

    @property
    def let_in(self) -> set[str]:
        """Indexed or dead-lettered ids nobody was told were accepted."""
        return (set(self.docs) | set(self.dlq_ids)) - set(self.expected)

    @property
    def both(self) -> set[str]:
        return set(self.docs) & set(self.dlq_ids)

    @property
    def dlq_duplicates(self) -> dict[str, int]:
        return {k: n for k, n in self.dlq_ids.items() if n > 1}

    @property
    def stale(self) -> dict[str, tuple[int, int]]:
        """id -> (indexed revision, latest accepted revision) where they differ."""
        return {
            i: (d.revision, self.expected[i])
            for i, d in self.docs.items()
            if i in self.expected and (d.revision != self.expected[i] or d.version != self.expected[i])
        }

    def complete(self) -> bool:
        return not self.lost and not self.stale


async def outcome(pipeline: Pipeline, expected: dict[str, int]) -> Outcome:
    """Where the accepted ids are now: the alias's documents and the DLQ's letters."""
    cfg = pipeline.config
    docs = await es_docs(cfg.es_url, cfg.alias)
    letters = await read_dlq(cfg.kafka_bootstrap, cfg.dlq_topic)
    return Outcome(expected, docs, letters)


async def converge(pipeline: Pipeline, expected: dict[str, int], within: float = CONVERGE_S) -> Outcome:
    """Wait until every accepted id is indexed at its latest revision or dead-lettered (or the
    deadline: then :func:`assert_exact` reports what is missing)."""
    deadline = time.monotonic() + within
    while True:
        result = await outcome(pipeline, expected)
        if result.complete() or time.monotonic() > deadline:
            return result
        await asyncio.sleep(1.0)


def sample(items: Iterable[str]) -> list[str]:
    return sorted(items)[:10]


def assert_exact(result: Outcome, *, dlq_duplicates_allowed: Iterable[str] = ()) -> None:
    """Nothing lost, nothing duplicated, nothing let in, everything at its latest revision."""
    assert not result.lost, f"{len(result.lost)} accepted articles lost: {sample(result.lost)}"
    assert not result.let_in, f"{len(result.let_in)} ids never accepted: {sample(result.let_in)}"
    assert not result.both, f"{len(result.both)} ids both indexed and dead-lettered: {sample(result.both)}"
    unjustified = {k: n for k, n in result.dlq_duplicates.items() if k not in set(dlq_duplicates_allowed)}
    assert not unjustified, f"duplicate dead letters: {unjustified}"
    assert not result.stale, f"{len(result.stale)} documents not at their latest revision: {result.stale}"
    assert set(result.expected) == set(result.docs) | set(result.dlq_ids)
