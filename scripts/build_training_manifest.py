"""Write training/manifest.jsonl.gz: every text a shipped model (topics, NER) was trained or tuned on, hashed.

The texts are the ones ``scripts/train_topics.py`` trains on (``training_docs``: the labelled Wikinews
articles of ``training/wikinews_topics.jsonl.gz`` and the seed pseudo-documents); its output prior
(``scripts/estimate_topic_prior.py``) is estimated on the same Wikinews articles, so they also cover
the tuning. One line per text with its corpus and reference, the SHA-256 of its normalised body
(``newsflow.enrich.evaluation.text_hash``) and, for a published article, its source address and
licence. The first lines describe each corpus; the ``wikinews-entities`` line names the labels file
(and its SHA-256) of the Wikinews texts the English NER was tuned on (all of them already listed).
``bench/eval_real.py`` refuses to score an evaluation article whose hash is listed.

Usage: .venv/bin/python scripts/build_training_manifest.py [--out PATH]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import train_topics as corpora  # noqa: E402

from newsflow.enrich.evaluation import text_hash  # noqa: E402

#: What is known of each training corpus (see docs/topics.md, "Training and evaluation data").
CORPORA: dict[str, dict[str, str]] = {
    "wikinews": {
        "source": "English Wikinews articles (the tosca R package's export of the categories "
        "Economy_and_business and Politics_and_conflicts, and the vanatteveldt/wikinews scrape of "
        "2019-2020), labelled with IPTC topics for newsflow (training/README.md); text in "
        "training/wikinews_topics.jsonl.gz",
        "licence": "public domain (first published before 2005-09-25) or CC BY 2.5, per article below",
    },
    "seed": {
        "source": "pseudo-documents drawn from our own seed_terms "
        "(shared/newsflow/data/iptc_mediatopics.json)",
        "licence": "ours (newsflow)",
    },
}


#: The entity labels the shipped NER was tuned on (training/README.md, "Entity labels").
NER_LABELS = ROOT / "training" / "wikinews_entity_labels.jsonl.gz"


def ner_record(path: Path) -> dict[str, object]:
    """The manifest's description of the NER tuning: which of the Wikinews texts, by which labels file."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        refs = [json.loads(line)["ref"] for line in handle]
    return {
        "corpus": "wikinews-entities",
        "source": "entity labels (person, org, gpe, loc, fac) of some of the Wikinews texts listed here, "
        "by AI agents (one pass; training/README.md); en_core_web_md's ner was tuned on them "
        "(training/tools/train_ner.py, shared/newsflow/data/ner_en_core_web_md_wikinews.bin) and the "
        "entity typer trained on them (training/tools/train_entity_typer.py, "
        "shared/newsflow/data/entity_typer_en_core_web_md.npz)",
        "licence": "texts as their wikinews lines below; labels ours (newsflow)",
        "labels_file": "training/wikinews_entity_labels.jsonl.gz",
        "labels_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "texts": len(refs),
        "texts_listed_as": "wikinews/<ref> (the same lines as the topic model's training texts)",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--wikinews", type=Path, default=corpora.WIKINEWS_FILE)
    parser.add_argument("--out", type=Path, default=ROOT / "training" / "manifest.jsonl.gz")
    args = parser.parse_args(argv)
    articles = corpora.read_wikinews(args.wikinews)
    seeds = corpora.seed_docs(corpora.load_taxonomy_file())
    counts = {"wikinews": len(articles), "seed": len(seeds)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with (
        gzip.GzipFile(args.out, "wb", compresslevel=9, mtime=0) as raw,
        io.TextIOWrapper(raw, encoding="utf-8") as out,
    ):
        for name, meta in CORPORA.items():
            record = {"corpus": name, **meta, "texts": counts[name]}
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        if NER_LABELS.is_file():
            out.write(json.dumps(ner_record(NER_LABELS), ensure_ascii=False, sort_keys=True) + "\n")
        for article in articles:
            line = {
                "ref": f"wikinews/{article['ref']}",
                "sha256": text_hash(article["body"]),
                "source_url": article["source_url"],
                "licence": article["licence"],
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        for n, doc in enumerate(seeds, start=1):
            out.write(json.dumps({"ref": f"seed/train/{n}", "sha256": text_hash(doc.body)}) + "\n")
    sys.stdout.write(f"wrote {args.out}: {dict(counts)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
