"""An archive that grows for years: rollover behind the alias, each article kept in one index.

The alias reads every index of the archive and writes to one of them (its write index). A
**rollover** creates a new, empty index of the current mapping (from the index template) and makes it
the write index; the older ones stay behind the alias, read-only in practice.

**Home index.** Every revision and the retraction of an article go to the index that already holds
it (its *home*); only an article no index holds goes to the write index. Versions in Elasticsearch
are per index, so this is what keeps the guarantee across indices: one document per id, an older
revision never overwrites a newer one, a retraction deletes the one copy. (The alternative, writing
every revision to the write index and deleting the older copies, would let a replayed older revision
land next to a newer one in another index.) Each batch looks the homes up first:

- the alias's indices are read per batch (one small request), and every action targets a concrete
  index: a rollover between the lookup and the bulk only means new articles land in the index that
  was the write index a moment ago, which the next lookups find;
- the index rolled over last is asked with a real-time multi-get (documents written just before the
  rollover are found even before a refresh), the older ones with one ``ids`` search through the
  alias (they took no new article since their rollover, so their refreshed view is complete);
- with one index behind the alias (no rollover yet) there is nothing to look up.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError, TransportError

from newsflow.index.design import detect_analysis, new_index_name, put_template
from newsflow.index.documents import BulkAction
from newsflow.retry import sleep_or_stop
from newsflow.settings import ElasticsearchSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AliasLayout:
    """The indices behind an alias: where new articles go, and the older ones, newest first."""

    write: str
    older: tuple[str, ...] = ()


class AliasMissing(RuntimeError):
    """The alias does not exist (yet): nothing can be written."""


def layout_of(aliases: Mapping[str, Any], alias: str) -> AliasLayout:
    """The layout from a ``GET _alias/<alias>`` answer (pure). Index names carry their creation time
    (``<alias>-v<N>-<UTC stamp>``), so the newest sorts last within a mapping version; the write
    index is the one flagged, else the newest."""
    names = sorted(aliases, key=_age_key)
    if not names:
        raise AliasMissing(alias)
    flagged = [n for n in names if aliases[n].get("aliases", {}).get(alias, {}).get("is_write_index")]
    write = flagged[0] if flagged else names[-1]
    return AliasLayout(write, tuple(n for n in reversed(names) if n != write))


def _age_key(name: str) -> tuple[str, str]:
    """Sort key of an index name by creation time (the trailing stamp), then by name."""
    return name.rsplit("-", 1)[-1], name


async def alias_layout(es: AsyncElasticsearch, alias: str) -> AliasLayout:
    """The alias's indices now; :class:`AliasMissing` when there is no such alias."""
    try:
        found = await es.indices.get_alias(name=alias)
    except NotFoundError as exc:
        raise AliasMissing(alias) from exc
    return layout_of(found.body, alias)


async def home_indices(
    es: AsyncElasticsearch, alias: str, layout: AliasLayout, ids: Sequence[str]
) -> dict[str, str]:
    """Article id -> the older index holding it, for those of ``ids`` an older index holds."""
    if not layout.older or not ids:
        return {}
    wanted = sorted(set(ids))
    found: dict[str, str] = {}
    latest = await es.mget(index=layout.older[0], ids=wanted, source=False, realtime=True)
    for doc in latest.body.get("docs", []):
        if doc.get("found"):
            found[doc["_id"]] = doc["_index"]
    rest = [i for i in wanted if i not in found]
    if len(layout.older) > 1 and rest:
        response = await es.search(
            index=alias,
            query={
                "bool": {
                    "filter": [{"ids": {"values": rest}}],
                    "must_not": [{"terms": {"_index": [layout.write, layout.older[0]]}}],
                }
            },
            source=False,
            size=len(rest),
        )
        for hit in response.body["hits"]["hits"]:
            found.setdefault(hit["_id"], hit["_index"])
    return found


def route(actions: Sequence[BulkAction], homes: Mapping[str, str], write: str) -> list[BulkAction]:
    """Each action aimed at its article's home index, or at the write index (pure)."""
    return [a.retarget(homes.get(a.doc_id, write)) for a in actions]


class HomeRouter:
    """Aims the actions of each batch at their home indices (one per indexer).

    It also remembers where it sent the last ``remember`` articles: batches are written two at a
    time (``max_in_flight_bulks``), so a revision may be routed while the bulk that writes its
    earlier revision has not finished yet, when no lookup can see it. A remembered home is used only
    while its index is still behind the alias (a rebuild swaps them all).
    """

    def __init__(self, es: AsyncElasticsearch, alias: str, remember: int = 50_000) -> None:
        self.es = es
        self.alias = alias
        self.remember = remember
        self._recent: OrderedDict[str, str] = OrderedDict()

    async def route(self, actions: Sequence[BulkAction]) -> list[BulkAction]:
        layout = await alias_layout(self.es, self.alias)
        present = {layout.write, *layout.older}
        homes = {a.doc_id: i for a in actions if (i := self._recent.get(a.doc_id)) in present}
        unknown = [a.doc_id for a in actions if a.doc_id not in homes]
        homes.update(await home_indices(self.es, self.alias, layout, unknown))
        out = route(actions, homes, layout.write)
        for action in out:
            self._recent[action.doc_id] = action.index
            self._recent.move_to_end(action.doc_id)
        while len(self._recent) > self.remember:
            self._recent.popitem(last=False)
        return out


@dataclass(frozen=True)
class Rollover:
    """A rollover that happened: the index that stopped taking new articles and its successor."""

    old: str
    new: str


async def rollover(
    es: AsyncElasticsearch,
    settings: ElasticsearchSettings,
    *,
    max_docs: int | None = None,
    max_primary_shard_size: str | None = None,
    max_age: str | None = None,
) -> Rollover | None:
    """Roll the alias over to a new index of the current mapping when any condition holds (always,
    without conditions); None when no condition held. The old index is refreshed at once, so the
    home lookups of every indexer see its articles. Several indexers may call it at the same time:
    Elasticsearch checks the conditions against the write index of the moment, so once one rolled
    over, the others find a fresh index that meets none."""
    await put_template(es, settings, await detect_analysis(es))
    conditions: dict[str, Any] = {}
    if max_docs:
        conditions["max_docs"] = max_docs
    if max_primary_shard_size:
        conditions["max_primary_shard_size"] = max_primary_shard_size
    if max_age:
        conditions["max_age"] = max_age
    response = await es.indices.rollover(
        alias=settings.alias, new_index=new_index_name(settings.alias), conditions=conditions or None
    )
    if not response.body.get("rolled_over"):
        return None
    done = Rollover(str(response.body["old_index"]), str(response.body["new_index"]))
    await es.indices.refresh(index=done.old)
    log.info(
        "alias rolled over alias=%s old=%s new=%s conditions=%s",
        settings.alias,
        done.old,
        done.new,
        conditions,
    )
    return done


async def roll_over_when_due(
    es: AsyncElasticsearch,
    settings: ElasticsearchSettings,
    conditions: Mapping[str, Any],
    every_s: float,
    stop: asyncio.Event,
) -> None:
    """Every ``every_s`` seconds until ``stop``: roll over when one of ``conditions`` holds (the
    indexer runs it beside its loop; without conditions it does nothing). Errors are logged and the
    next check tries again."""
    if not conditions:
        return
    while not await sleep_or_stop(every_s, stop):
        try:
            await rollover(es, settings, **conditions)
        except (TransportError, ApiError) as exc:
            log.warning("rollover check failed, next in %.0fs error=%r", every_s, exc)


async def get_article(es: AsyncElasticsearch, alias: str, article_id: str) -> dict[str, Any] | None:
    """The document of ``article_id`` through the alias, whichever index holds it (a GET by id does
    not work on an alias of several indices); None when absent. Near real time: after a refresh."""
    response = await es.search(index=alias, query={"ids": {"values": [article_id]}}, size=2)
    hits = response.body["hits"]["hits"]
    if len(hits) > 1:
        raise RuntimeError(f"{article_id} is held by {len(hits)} indices: {[h['_index'] for h in hits]}")
    return dict(hits[0]) if hits else None
