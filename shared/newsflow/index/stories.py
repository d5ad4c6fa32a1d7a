"""Stories: wire copies and near-duplicates share a story id, assigned when they are indexed.

An article's 64-bit SimHash (``fingerprint``, computed by enrichment) is cut into four 16-bit
**bands** (``story_bands``). The candidates of an article are the documents sharing one of its bands:
two fingerprints at most 3 bits apart always do (3 differing bits touch at most 3 of the 4 bands),
farther ones often do. Among the candidates within :data:`MAX_DISTANCE` bits, it joins the story of
the closest (ties: the smallest story id). Otherwise it starts a story whose id is its own article
id. A document already indexed keeps its story (later revisions never move).

:func:`assign_stories` is the rule (pure). :class:`StoryAssigner` applies it to a batch of bulk
actions: the candidates come from the index (one ``_search`` per batch: same ids or shared bands)
and from what it learnt and assigned before (recent documents are not yet searchable: refresh
interval, bulks in flight).
With several indexer replicas, two copies indexed by different replicas within the same second may
start two stories (each replica only remembers its own recent documents).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, AsyncElasticsearch, TransportError

from newsflow.enrich.fingerprint import hamming_distance
from newsflow.index.documents import BulkAction, story_bands
from newsflow.retry import Backoff, retry_until

log = logging.getLogger(__name__)

# Measured (bench/eval_stories.py, docs/index-and-search.md): copies are mostly within 6 bits, while
# different articles are 9 bits or more apart, both in the seeds and in 3,561 real news articles.
MAX_DISTANCE = 6
LOOKUP_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Member:
    """An indexed (or just assigned) article of a story."""

    article_id: str
    story_id: str
    fingerprint: str


def bands(fingerprint: str) -> list[str]:
    """The band keys of a fingerprint (the document's ``story_bands``)."""
    return story_bands(fingerprint)


def groupable(fingerprint: str | None) -> bool:
    """Whether an article can join a story (it has a fingerprint of words)."""
    return bool(story_bands(fingerprint))


class _Index:
    """Members by article id and by band."""

    def __init__(self, members: Iterable[Member] = ()) -> None:
        self.by_id: dict[str, Member] = {}
        self.by_band: dict[str, dict[str, Member]] = {}
        for member in members:
            self.add(member)

    def add(self, member: Member) -> None:
        self.remove(member.article_id)
        self.by_id[member.article_id] = member
        for band in bands(member.fingerprint):
            self.by_band.setdefault(band, {})[member.article_id] = member

    def remove(self, article_id: str) -> None:
        old = self.by_id.pop(article_id, None)
        if old is not None:
            for band in bands(old.fingerprint):
                self.by_band.get(band, {}).pop(article_id, None)

    def candidates(self, fingerprint: str) -> list[Member]:
        found: dict[str, Member] = {}
        for band in bands(fingerprint):
            found.update(self.by_band.get(band, {}))
        return list(found.values())


def assign_stories(
    new: Sequence[tuple[str, str]], known: Iterable[Member], max_distance: int = MAX_DISTANCE
) -> dict[str, str]:
    """Story id of each ``(article id, fingerprint)``, in order, given the ``known`` members (pure)."""
    index = _Index(m for m in known if groupable(m.fingerprint))
    stories: dict[str, str] = {}
    for article_id, fingerprint in new:
        existing = index.by_id.get(article_id)
        if existing is not None:
            story = existing.story_id  # a later revision stays in its story
        elif not groupable(fingerprint):
            story = article_id
        else:
            close = [
                (hamming_distance(fingerprint, m.fingerprint), m.story_id)
                for m in index.candidates(fingerprint)
                if m.article_id != article_id
            ]
            within = [c for c in close if c[0] <= max_distance]
            story = min(within)[1] if within else article_id
        stories[article_id] = story
        if groupable(fingerprint):
            index.add(Member(article_id, story, fingerprint))
    return stories


class StoryAssigner:
    """Gives each index action of a batch its story id (see the module docstring).

    It remembers what it learnt, per band and per article id (least recently used first out), so a
    band or an id is looked up in Elasticsearch once: afterwards its members are the ones found then
    plus the ones this assigner gave a story since. A band keeps at most ``per_band`` members (the
    first ones: a story with hundreds of copies needs only a few of them to be found).
    """

    def __init__(
        self,
        es: AsyncElasticsearch,
        alias: str,
        *,
        backoff: Backoff,
        on_unavailable: Callable[[BaseException], None] | None = None,
        bands_kept: int = 400_000,
        ids_kept: int = 200_000,
        per_band: int = 16,
    ) -> None:
        self.es = es
        self.alias = alias
        self.backoff = backoff
        self.on_unavailable = on_unavailable  # the indexer's readiness: not ready while ES cannot answer
        self.bands_kept = bands_kept
        self.ids_kept = ids_kept
        self.per_band = per_band
        self._bands: OrderedDict[str, dict[str, Member]] = OrderedDict()
        self._ids: OrderedDict[str, Member | None] = OrderedDict()  # None: looked up, not indexed
        self._lock = asyncio.Lock()  # batches are assigned in the order they ask

    async def assign(
        self, actions: Sequence[BulkAction], stop: asyncio.Event | None = None
    ) -> list[BulkAction]:
        """The actions with their story ids set (deletes and unfingerprinted articles unchanged).

        Waits (with backoff) while Elasticsearch cannot answer; raises ``Stopped`` once ``stop`` is set.
        """
        todo = [a for a in actions if a.op == "index" and groupable(a.fingerprint)]
        if not todo:
            return list(actions)
        async with self._lock:
            await self._learn(todo, stop)
            known: dict[str, Member] = {}
            for action in todo:
                member = self._ids.get(action.doc_id)
                if member is not None:
                    known[member.article_id] = member
                for band in bands(action.fingerprint or ""):
                    known.update(self._bands[band])
            stories = assign_stories([(a.doc_id, a.fingerprint or "") for a in todo], known.values())
            for action in todo:
                self._remember(Member(action.doc_id, stories[action.doc_id], action.fingerprint or ""))
            self._trim()
        return [a.with_story(stories[a.doc_id]) if a.doc_id in stories else a for a in actions]

    def _remember(self, member: Member) -> None:
        self._ids[member.article_id] = member
        self._ids.move_to_end(member.article_id)
        for band in bands(member.fingerprint):
            members = self._bands.setdefault(band, {})
            self._bands.move_to_end(band)
            if member.article_id in members or len(members) < self.per_band:
                members[member.article_id] = member

    def _trim(self) -> None:
        while len(self._bands) > self.bands_kept:
            self._bands.popitem(last=False)
        while len(self._ids) > self.ids_kept:
            self._ids.popitem(last=False)

    async def _learn(self, todo: Sequence[BulkAction], stop: asyncio.Event | None) -> None:
        """Look up, in one request, the bands and ids of ``todo`` this assigner does not know yet."""
        new_bands = sorted({b for a in todo for b in bands(a.fingerprint or "") if b not in self._bands})
        new_ids = sorted({a.doc_id for a in todo if a.doc_id not in self._ids})
        if not new_bands and not new_ids:
            return
        for member in await self._search(new_bands, new_ids, stop):
            self._remember(member)
        for band in new_bands:
            self._bands.setdefault(band, {})
        for article_id in new_ids:
            self._ids.setdefault(article_id, None)

    async def _search(self, keys: list[str], ids: list[str], stop: asyncio.Event | None) -> list[Member]:
        should: list[dict[str, Any]] = []
        if keys:
            should.append({"terms": {"story_bands": keys}})
        if ids:
            should.append({"ids": {"values": ids}})
        body = {
            "size": LOOKUP_LIMIT,
            "_source": ["story_id", "fingerprint"],
            "query": {"bool": {"should": should}},
        }

        async def search() -> list[Member]:
            try:
                response = await self.es.search(index=self.alias, body=body)
            except ApiError as exc:
                if exc.status_code in (429, 500, 502, 503, 504):
                    raise _Unavailable(str(exc)) from exc
                raise
            members = []
            for hit in response["hits"]["hits"]:
                source = hit.get("_source", {})
                fingerprint, story_id = source.get("fingerprint"), source.get("story_id")
                # a document of an older mapping has no story yet: it must not pin its own id as one
                if groupable(fingerprint) and story_id:
                    members.append(Member(hit["_id"], story_id, fingerprint))
            return members

        return await retry_until(
            search,
            retry_on=(TransportError, _Unavailable),
            backoff=self.backoff,
            stop=stop,
            what="story lookup",
            on_error=self._unavailable,
        )

    def _unavailable(self, exc: BaseException, _attempt: int) -> None:
        if self.on_unavailable is not None:
            self.on_unavailable(exc)


class _Unavailable(Exception):
    """Elasticsearch answered that it cannot serve now (429, 5xx): retried."""
