"""What the enrichment function outputs, as a file to compare before and after a speed change.

Enriches the 250 seed articles (seeds/corpus.jsonl) and the 270 evaluation articles
(evaluation/articles.jsonl) in batches of ``batch_size``, as a worker does, and writes one JSON line
per article: its id and ``Enrichment.model_dump`` without ``enriched_at`` (the only timing field), or
the failure. ``--compare`` reads an earlier file and lists every article whose output differs.

    .venv/bin/python bench/enrichment_snapshot.py --out /tmp/before.jsonl
    .venv/bin/python bench/enrichment_snapshot.py --out /tmp/after.jsonl --compare /tmp/before.jsonl

``NEWSFLOW_ENRICH_TUNED_NER=true`` (and every other ``NEWSFLOW_ENRICH_*``) applies as in the worker.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TypedDict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))
sys.path.insert(0, str(ROOT))

from common import seed_raw_articles  # noqa: E402

from newsflow.enrich.evaluation import load_articles  # noqa: E402
from newsflow.enrich.pipeline import Enricher  # noqa: E402
from newsflow.enrich.settings import EnrichmentSettings  # noqa: E402
from newsflow.models import Enrichment, RawArticle  # noqa: E402


def snapshot_articles() -> list[RawArticle]:
    """The seed corpus and the evaluation articles, in file order."""
    out = seed_raw_articles()
    for a in load_articles(ROOT / "evaluation" / "articles.jsonl"):
        out.append(
            RawArticle(
                id=a.id,
                source="evaluation",
                url=a.source_url,
                title=a.title,
                body=a.body,
                revision=1,
                language=a.language,
            )
        )
    return out


class SnapshotRow(TypedDict):
    """One line of the output file: the article and its comparable output (``dump``)."""

    id: str
    output: dict[str, Any]


def dump(result: object) -> dict[str, Any]:
    """The comparable output of one article (no timing field)."""
    if isinstance(result, Enrichment):
        return result.model_dump(mode="json", exclude={"enriched_at"})
    return {"failure": vars(result)}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="an earlier output: list the articles that differ")
    args = parser.parse_args()
    settings = EnrichmentSettings()
    enricher = Enricher.load(settings)
    articles = snapshot_articles()
    rows: list[SnapshotRow] = []
    for i in range(0, len(articles), settings.batch_size):
        batch = articles[i : i + settings.batch_size]
        for article, result in zip(batch, enricher.enrich_batch(batch), strict=True):
            rows.append({"id": article.id, "output": dump(result)})
    args.out.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} articles, models {enricher.models} -> {args.out}")
    if args.compare is None:
        return 0
    before = [json.loads(line) for line in args.compare.read_text("utf-8").splitlines()]
    differing = [(a["id"], a["output"], b["output"]) for a, b in zip(before, rows, strict=True) if a != b]
    for article_id, old, new in differing[:20]:
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        print(f"DIFFERS {article_id}: {', '.join(keys)}")
    print(f"compared with {args.compare}: {len(differing)} of {len(rows)} articles differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
