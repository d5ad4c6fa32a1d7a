"""Tune en_core_web_md's NER on the labelled Wikinews training articles (issue 12).

Starts from en_core_web_md 3.8.0's ``ner`` (which has its own tok2vec in md), loads nothing else and
updates only it: CPU, fixed seed, one thread of work at a time. The training texts are built as the
enrichment builds them (``Enricher``: the title and the body are two separate documents). Each text
teaches the annotators' spans (``training/wikinews_entity_labels.jsonl.gz``: forms → spans on word
boundaries, longest first, no overlaps) plus the base model's own spans of the labels nobody
annotated (DATE, NORP, EVENT, ...) where they do not touch an annotated span; the base model's
PERSON/ORG/GPE/LOC/FAC spans no annotation covers are taught as no entity (``--unlabelled outside``)
or left unknown (``missing``).

The internal dev split (``--dev-share`` of the labelled articles, chosen by a hash of their ref) picks
the epoch: the weights of the best epoch by F of the annotated labels are kept. The evaluation set is
never read here; check the result on its dev half with
``NEWSFLOW_ENRICH_NER_WEIGHTS=<out> .venv/bin/python bench/eval_entities_ablation.py``.

Usage: .venv/bin/python training/tools/train_ner.py [--epochs N] [--dropout D] [--out PATH]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from spacy.language import Language
from spacy.pipeline import EntityRecognizer
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import minibatch
from thinc.api import fix_random_seed

from newsflow.enrich.ner_labels import (
    ANNOTATED_LABELS,
    CharSpan,
    LabelledEntity,
    Unlabelled,
    merge_with_model,
    parse_entities,
    project_forms,
)
from newsflow.enrich.nlp import load_nlp

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "training" / "wikinews_topics.jsonl.gz"
LABELS = ROOT / "training" / "wikinews_entity_labels.jsonl.gz"
OUT = ROOT / "shared" / "newsflow" / "data" / "ner_en_core_web_md_wikinews.bin"


def read_labelled(labels: Path, corpus: Path) -> list[tuple[str, str, str, list[LabelledEntity]]]:
    """(ref, title, body, entities) of every labelled article, the text taken from the corpus."""
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        texts = {(a := json.loads(line))["ref"]: (a["title"], a["body"]) for line in handle}
    out = []
    with gzip.open(labels, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            title, body = texts[record["ref"]]
            out.append((record["ref"], title, body, parse_entities(record["entities"])))
    return out


def is_dev(ref: str, share: float) -> bool:
    return int(hashlib.sha256(ref.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def spans_of(doc: Doc, spans: Sequence[CharSpan]) -> tuple[list[Span], list[Span]]:
    """spaCy spans of ``spans``; those not on token boundaries come back in the second list (expanded)."""
    aligned, unaligned = [], []
    for s in spans:
        span = doc.char_span(s.start, s.end, label=s.label)
        if span is not None:
            aligned.append(span)
        else:
            wide = doc.char_span(s.start, s.end, alignment_mode="expand")
            if wide is not None:
                unaligned.append(wide)
    return aligned, unaligned


def make_example(
    nlp: Language, base_doc: Doc, entities: Sequence[LabelledEntity], unlabelled: Unlabelled
) -> tuple[Example, int]:
    """The training example of one text, and how many annotated spans were off token boundaries."""
    text = base_doc.text
    model = [CharSpan(e.start_char, e.end_char, e.label_) for e in base_doc.ents]
    projection = merge_with_model(project_forms(text, entities), model, unlabelled)
    reference = nlp.make_doc(text)
    ents, off = spans_of(reference, projection.entities)
    missing, wide = spans_of(reference, projection.missing)
    missing += wide + off
    taken: set[int] = set()
    clean_ents = []
    for span in sorted(ents, key=lambda s: (s.start, -len(s))):
        if not taken.intersection(range(span.start, span.end)):
            clean_ents.append(span)
            taken.update(range(span.start, span.end))
    clean_missing = []
    for span in missing:
        if not taken.intersection(range(span.start, span.end)):
            clean_missing.append(span)
            taken.update(range(span.start, span.end))
    reference.set_ents(clean_ents, missing=clean_missing, default="outside")
    return Example(nlp.make_doc(text), reference), len(off)


def ner_component(nlp: Language) -> EntityRecognizer:
    """The pipeline's ``ner`` component, the part trained and saved; raise if it is not a recognizer."""
    ner = nlp.get_pipe("ner")
    if not isinstance(ner, EntityRecognizer):
        raise TypeError(f"the pipeline's ner is a {type(ner).__name__}, not an EntityRecognizer")
    return ner


def annotated_f(nlp: Language, examples: Sequence[Example]) -> tuple[float, dict[str, float]]:
    """Micro F over the annotated labels, and F per label, of ``nlp`` on ``examples``."""
    tp = fp = fn = 0
    per: dict[str, list[int]] = {}
    for example, doc in zip(examples, nlp.pipe(e.reference.text for e in examples), strict=True):
        gold = {
            (e.start_char, e.end_char, e.label_)
            for e in example.reference.ents
            if e.label_ in ANNOTATED_LABELS
        }
        pred = {(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in ANNOTATED_LABELS}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        for label in ANNOTATED_LABELS:
            counts = per.setdefault(label, [0, 0, 0])
            g = {x for x in gold if x[2] == label}
            p = {x for x in pred if x[2] == label}
            counts[0] += len(g & p)
            counts[1] += len(p - g)
            counts[2] += len(g - p)

    def f1(t: int, p: int, n: int) -> float:
        return 2 * t / (2 * t + p + n) if t else 0.0

    return f1(tp, fp, fn), {k: round(f1(*v), 3) for k, v in sorted(per.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--batch-size", type=int, default=16, help="texts per update")
    parser.add_argument("--dev-share", type=float, default=0.1)
    parser.add_argument("--unlabelled", choices=("outside", "missing"), default="outside")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="en_core_web_md")
    args = parser.parse_args(argv)
    started_cpu, started = time.process_time(), time.perf_counter()
    fix_random_seed(args.seed)
    nlp = load_nlp(args.model)
    if nlp.pipe_names != ["ner"]:
        sys.exit(f"expected a pipeline whose ner has its own tok2vec, got {nlp.pipe_names}")
    articles = read_labelled(args.labels, args.corpus)
    train: list[Example] = []
    dev: list[Example] = []
    off_boundary = 0
    texts = [(ref, text, ents) for ref, title, body, ents in articles for text in (title, body)]
    for (ref, _, ents), base_doc in zip(texts, nlp.pipe(t for _, t, _ in texts), strict=True):
        example, off = make_example(nlp, base_doc, ents, args.unlabelled)
        off_boundary += off
        (dev if is_dev(ref, args.dev_share) else train).append(example)
    n_dev = sum(is_dev(a[0], args.dev_share) for a in articles)
    print(
        f"{len(articles)} labelled articles: {len(articles) - n_dev} train, {n_dev} dev "
        f"({len(train)} / {len(dev)} texts); {off_boundary} annotated spans off token boundaries (missing)"
    )
    base_f, base_per = annotated_f(nlp, dev)
    print(f"epoch 0 (en_core_web_md as shipped): dev F {base_f:.3f} {base_per}", flush=True)
    optimizer = nlp.resume_training()
    rng = random.Random(args.seed)
    best_f, best_epoch, best_bytes = base_f, 0, b""
    for epoch in range(1, args.epochs + 1):
        rng.shuffle(train)
        losses: dict[str, float] = {}
        # spaCy's minibatch has no annotations (spacy/util.py): untyped, not wrong
        for batch in minibatch(train, size=args.batch_size):  # type: ignore[no-untyped-call]
            nlp.update(batch, drop=args.dropout, sgd=optimizer, losses=losses)
        with nlp.use_params(optimizer.averages):
            f, per = annotated_f(nlp, dev)
            if f > best_f:
                best_f, best_epoch = f, epoch
                best_bytes = ner_component(nlp).to_bytes(exclude=["vocab"])
        print(
            f"epoch {epoch}: loss {losses.get('ner', 0.0):.1f}  dev F {f:.3f} {per}  "
            f"cpu {time.process_time() - started_cpu:.0f} s",
            flush=True,
        )
    if not best_bytes:
        print("no epoch beat the shipped model on the dev split: nothing written")
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(best_bytes)
    digest = hashlib.sha256(best_bytes).hexdigest()
    print(
        f"best epoch {best_epoch}: dev F {best_f:.3f} (shipped md {base_f:.3f}); wrote {args.out} "
        f"({len(best_bytes) / 1e6:.1f} MB, sha256 {digest})\n"
        f"CPU time {time.process_time() - started_cpu:.0f} s, wall {time.perf_counter() - started:.0f} s; "
        f"command: .venv/bin/python training/tools/train_ner.py {' '.join(argv or sys.argv[1:])}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
