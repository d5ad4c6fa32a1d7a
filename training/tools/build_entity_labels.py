"""Build training/wikinews_entity_labels.jsonl.gz: entity labels of Wikinews training articles for the NER.

Input: the annotation pool (``pool.jsonl``: ``pid``, ``ref``, ``title``, ``body``, each article an
undamaged copy from ``training/wikinews_topics.jsonl.gz``) and the annotators' files
(``labels/bNN.jsonl``: ``pid`` and ``entities`` with ``type``, ``canonical``, ``forms``), as written
under the guide summarised in training/README.md.

    .venv/bin/python training/tools/build_entity_labels.py /work/pool/ent

Every labelled article must be in the training corpus with the same title and body (else the tool
stops); forms that do not occur in the title or body on word boundaries are dropped (counted);
entities left without a form are dropped. Output lines, in the corpus's order: ``ref``, ``title``,
``entities`` (``type``, ``canonical``, ``forms``), and ``batch`` (the labelling file). The text is
not repeated: it is the corpus's, found by ``ref``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
from collections import Counter
from pathlib import Path

from newsflow.enrich.ner_labels import form_occurrences, parse_entities

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "training" / "wikinews_topics.jsonl.gz"
OUT = ROOT / "training" / "wikinews_entity_labels.jsonl.gz"


def read_jsonl(path: Path) -> list[dict[str, object]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("pool_dir", type=Path, help="folder with pool.jsonl and labels/bNN.jsonl")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--complete-only",
        type=int,
        default=25,
        help="take a labels file only when it has this many articles (0: take every file)",
    )
    args = parser.parse_args(argv)
    corpus = {str(a["ref"]): a for a in read_jsonl(CORPUS)}
    pool = {str(a["pid"]): a for a in read_jsonl(args.pool_dir / "pool.jsonl")}
    labelled: dict[str, tuple[str, list[dict[str, object]]]] = {}
    stats: Counter[str] = Counter()
    for path in sorted((args.pool_dir / "labels").glob("b*.jsonl")):
        lines = read_jsonl(path)
        if args.complete_only and len({str(r["pid"]) for r in lines}) < args.complete_only:
            stats["incomplete files skipped"] += 1
            continue
        for record in lines:
            pid = str(record["pid"])
            article = pool[pid]
            ref = str(article["ref"])
            source = corpus.get(ref)
            if source is None or source["title"] != article["title"] or source["body"] != article["body"]:
                sys.exit(f"{pid} ({ref}): not in {CORPUS.name} with the same text")
            if source.get("damaged"):
                sys.exit(f"{pid} ({ref}): a damaged copy")
            text = f"{article['title']}\n{article['body']}"
            entities: list[dict[str, object]] = []
            raw_entities = record["entities"]
            assert isinstance(raw_entities, list)
            for entity in parse_entities(raw_entities):
                forms = [f for f in dict.fromkeys(entity.forms) if form_occurrences(text, f)]
                stats["forms dropped (not in the text)"] += len(set(entity.forms)) - len(forms)
                if not forms:
                    stats["entities dropped (no form in the text)"] += 1
                    continue
                stats[f"entities {entity.type}"] += 1
                entities.append({"type": entity.type, "canonical": entity.canonical, "forms": forms})
            labelled[ref] = (path.stem, entities)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with (
        gzip.GzipFile(args.out, "wb", compresslevel=9, mtime=0) as raw,
        io.TextIOWrapper(raw, encoding="utf-8") as out,
    ):
        for ref, source in corpus.items():
            if ref in labelled:
                batch, entities = labelled[ref]
                line = {"ref": ref, "title": source["title"], "entities": entities, "batch": batch}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    sys.stdout.write(f"wrote {args.out}: {len(labelled)} articles, sha256 {digest}\n")
    for key, value in sorted(stats.items()):
        sys.stdout.write(f"  {key}: {value}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
