"""Train the entity typer (``newsflow.enrich.entity_typer``) on the labelled Wikinews training articles.

Two steps.

``collect`` runs the enrichment's entity rules (typer off) on every labelled article and writes,
for each person, organisation and place the rules leave, what the typer reads of it and the class
the labels give it (the type of the labelled entity one of its names belongs to; "none" when no
labelled entity has any of its names). The NER must not have seen the article, or it would look
better than it is on new text: the 316 articles of the NER's internal dev split
(``train_ner.is_dev``) are read with the shipped tuned NER, which never trained on them; the other
2,911 with two NER models trained like the shipped one (``train_ner.py``, 5 epochs) on one half of
them each, every article read by the model of the other half (``--fold-weights``).

``fit`` trains a multinomial logistic regression (Adam, L2, fixed seed) on the folds' entities and
picks the two thresholds (``EntityTyper.retype_threshold``/``drop_threshold``) on the dev split's
entities — the shipped NER's own output — by the F of the labelled persons, organisations and
places, then refits on all entities with the same settings. The evaluation set is never read here.

Usage:
  .venv/bin/python training/tools/train_entity_typer.py folds --out-dir DIR
  .venv/bin/python training/tools/train_ner.py --labels DIR/labels_fold0_ner.jsonl.gz --epochs 5 \\
      --out FOLD0.bin
  .venv/bin/python training/tools/train_ner.py --labels DIR/labels_fold1_ner.jsonl.gz --epochs 5 \\
      --out FOLD1.bin
  .venv/bin/python training/tools/train_entity_typer.py collect --out VIEWS.jsonl.gz \\
      --fold-weights FOLD0.bin FOLD1.bin
  .venv/bin/python training/tools/train_entity_typer.py fit --views VIEWS.jsonl.gz \\
      [--out shared/newsflow/data/entity_typer_en_core_web_md.npz]
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_ner import CORPUS, LABELS, is_dev, ner_component  # noqa: E402

from newsflow.enrich.editorial import read_text  # noqa: E402
from newsflow.enrich.entities import ALL_RULES, typer_inputs  # noqa: E402
from newsflow.enrich.entity_typer import (  # noqa: E402
    CLASSES,
    HASH_BUCKETS,
    LABEL_CLASSES,
    N_FEATURES,
    TYPER_FILE,
    EncodedEntity,
    EntityTyper,
    EntityView,
    encode,
    softmax,
    vector_lookup,
)
from newsflow.enrich.evaluation import EVAL_SOURCE, normalise_name  # noqa: E402
from newsflow.enrich.ner_weights import apply_tuned_ner  # noqa: E402
from newsflow.enrich.nlp import load_nlp  # noqa: E402

OUT = ROOT / "shared" / "newsflow" / "data" / TYPER_FILE
#: The labels' types and the typer's classes.
LABEL_TYPE_CLASSES = {
    "person": "person",
    "org": "organization",
    "gpe": "place",
    "loc": "place",
    "fac": "place",
}


def fold_of(ref: str) -> int:
    """The half of the non-dev articles a reference is in (the fold NER trained on the other half)."""
    return int(hashlib.sha256(("fold:" + ref).encode()).hexdigest()[:8], 16) % 2


def gold_class(names: Sequence[str], labelled: Sequence[dict[str, object]]) -> str:
    """The class of the labelled entity the canonical name (else most of the names, else a name
    that contains the canonical one or is contained in it, word by word) belongs to."""
    keyed: list[tuple[set[str], str]] = []
    for entity in labelled:
        label_forms = entity["forms"]
        if not isinstance(label_forms, list):
            raise TypeError(f"a label's forms are a {type(label_forms).__name__}, not a list: {entity!r}")
        names_of = [str(entity["canonical"]), *(str(f) for f in label_forms)]
        keyed.append(({normalise_name(f) for f in names_of}, LABEL_TYPE_CLASSES[str(entity["type"])]))
    canonical = normalise_name(names[0])
    for forms, cls in keyed:
        if canonical in forms:
            return cls
    votes = Counter(cls for name in names[1:] for forms, cls in keyed if normalise_name(name) in forms)
    if votes:
        return votes.most_common(1)[0][0]
    # a name cut short or run long ("U.S. Senate Banking Committee" for "Senate Banking Committee": the
    # shorter has at least half the longer's words) is that entity with a wrong span, not "no
    # entity": "none" is kept for names no label touches
    padded, n_words = f" {canonical} ", len(canonical.split())
    overlapping = [
        (len(form.split()), cls)
        for forms, cls in keyed
        for form in forms
        if form
        and (f" {form} " in padded or padded in f" {form} ")
        and 2 * min(len(form.split()), n_words) >= max(len(form.split()), n_words)
    ]
    return max(overlapping)[1] if overlapping else "none"


def folds(args: argparse.Namespace) -> int:
    """The labels files of the two fold NERs: fold k's NER trains on the other fold's articles (and
    keeps the dev split for choosing its epoch, as the shipped one did)."""
    with gzip.open(args.labels, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    out: dict[int, list[str]] = {0: [], 1: []}
    for line in lines:
        ref = json.loads(line)["ref"]
        if is_dev(ref, 0.1):
            out[0].append(line)
            out[1].append(line)
        else:
            out[1 - fold_of(ref)].append(line)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for k, chosen in out.items():
        path = args.out_dir / f"labels_fold{k}_ner.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write("\n".join(chosen) + "\n")
        print(f"{path}: {len(chosen)} articles (train the fold {k} NER on it with train_ner.py --labels)")
    return 0


def collect(args: argparse.Namespace) -> int:
    with gzip.open(args.corpus, "rt", encoding="utf-8") as handle:
        texts = {(a := json.loads(line))["ref"]: (a["title"], a["body"]) for line in handle}
    with gzip.open(args.labels, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    shipped = load_nlp("en_core_web_md")
    from newsflow.enrich.ner_weights import TUNED_NER_SHA256, shipped_weights

    apply_tuned_ner(shipped, shipped_weights(), TUNED_NER_SHA256)
    models = {"dev": shipped}
    for k, path in enumerate(args.fold_weights):
        nlp = load_nlp("en_core_web_md")
        ner_component(nlp).from_bytes(Path(path).read_bytes(), exclude=["vocab"])
        models[f"fold{k}"] = nlp
    counts: Counter[str] = Counter()
    with gzip.open(args.out, "wt", encoding="utf-8") as out:
        for n, record in enumerate(records):
            ref = record["ref"]
            split = "dev" if is_dev(ref, 0.1) else f"fold{fold_of(ref)}"
            nlp = models[split]
            # the texts as the enrichment reads them (pipeline.read_article: editorial brackets out)
            title, body = (read_text(t).text for t in texts[ref])
            for view, names in typer_inputs(title, body, nlp(title), nlp(body), ALL_RULES, EVAL_SOURCE):
                cls = gold_class(names, record["entities"])
                counts[f"{split}:{cls}"] += 1
                row = {
                    "ref": ref,
                    "split": split,
                    "gold": cls,
                    "names": names,
                    "view": dataclasses.asdict(view),
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if n % 500 == 0:
                print(f"{n} articles", flush=True)
        for ref, title, body, expected, source in guard_articles(args.seeds, args.seed_article):
            for view, names in typer_inputs(title, body, shipped(title), shipped(body), ALL_RULES, source):
                cls = expected.get(names[0], "unknown")
                counts[f"guard:{cls}"] += 1
                row = {
                    "ref": ref,
                    "split": "guard",
                    "gold": cls,
                    "names": names,
                    "view": dataclasses.asdict(view),
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}: {dict(sorted(counts.items()))}")
    return 0


def guard_articles(corpus: Path, seed_article: Path) -> list[tuple[str, str, str, dict[str, str], str]]:
    """The texts whose entities the typer must not get wrong where the rules get them right: the
    English articles of the seed corpus, each with the generator's silver names (the people,
    organisations and places it planted: ``bench/eval_entities.py``), and the seed article with what
    an editor expects of it (``tests/support/articles.py``). (ref, title, body, name → class, source)"""
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    from eval_entities import gold_names, load_generator, planted

    from tests.support.articles import SEED_ENTITIES

    names = gold_names(load_generator())
    latest: dict[str, dict[str, str]] = {}
    for line in corpus.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["language"] == "en":
            latest[str(record["id"])] = record
    out = []
    for ref, record in latest.items():
        found = planted(f"{record['title']}\n{record['body']}", names)
        expected = {name: kind for kind, pool in found.items() for name in pool}
        out.append((ref, record["title"], record["body"], expected, record["source"]))
    title, body = seed_article.read_text(encoding="utf-8").split("\n", 1)
    out.append(("seed-article", title, body, dict(SEED_ENTITIES), "wire"))
    return out


def _batch(encoded: Sequence[EncodedEntity]) -> npt.NDArray[np.float32]:
    x = np.zeros((len(encoded), N_FEATURES), dtype=np.float32)
    for i, e in enumerate(encoded):
        np.add.at(x[i], e.keys, e.values)
        x[i, HASH_BUCKETS:] = e.vector
    return x


def train(
    encoded: Sequence[EncodedEntity], gold: npt.NDArray[np.int64], epochs: int, l2: float, seed: int
) -> npt.NDArray[np.float32]:
    """Softmax regression by Adam on minibatches of 128 (fixed seed)."""
    rng = np.random.default_rng(seed)
    w = np.zeros((N_FEATURES, len(CLASSES)), dtype=np.float32)
    m, v = np.zeros_like(w), np.zeros_like(w)
    lr, b1, b2, eps, step = 0.01, 0.9, 0.999, 1e-8, 0
    for _ in range(epochs):
        order = rng.permutation(len(encoded))
        for start in range(0, len(order), 128):
            idx = order[start : start + 128]
            x = _batch([encoded[i] for i in idx])
            y = np.eye(len(CLASSES), dtype=np.float32)[gold[idx]]
            grad = x.T @ (softmax(x @ w) - y) / len(idx) + l2 * w
            step += 1
            # numpy's stubs type float32 arrays times Python floats as float64; at run time they stay
            # float32 (NEP 50: Python scalars do not widen), so the stubs are wrong here
            m = b1 * m + (1 - b1) * grad  # type: ignore[assignment]
            v = b2 * v + (1 - b2) * grad * grad  # type: ignore[assignment]
            w -= lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + eps)
    return w


def score(
    typer: EntityTyper,
    views: Sequence[EntityView],
    probs: Sequence[npt.NDArray[np.float32]],
    gold: Sequence[str],
    total: int,
) -> tuple[float, int, int]:
    """F of the labelled persons, organisations and places over these entities, with the typer's
    decisions; ``total`` is the number of labelled entities (those no entity has count as missed)."""
    tp = fp = 0
    for view, p, cls in zip(views, probs, gold, strict=True):
        decided = typer.choose(view, p) or LABEL_CLASSES[view.label]
        if decided == "none":
            continue
        if decided == cls:
            tp += 1
        else:
            fp += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / total if total else 0.0
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f, tp, fp


def fit(args: argparse.Namespace) -> int:
    started = time.process_time()
    with gzip.open(args.views, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    lookup = None if args.no_vectors else vector_lookup(load_nlp("en_core_web_md").vocab)
    views = [
        EntityView(
            **{
                **r["view"],
                **{k: tuple(r["view"][k]) for k in ("mention_labels", "mention_texts", "before", "after")},
            }
        )
        for r in rows
    ]
    encoded = [encode(v, lookup) for v in views]
    gold = np.array([CLASSES.index(r["gold"]) if r["gold"] in CLASSES else -1 for r in rows])
    dev = [i for i, r in enumerate(rows) if r["split"] == "dev"]
    folds = [i for i, r in enumerate(rows) if r["split"] not in ("dev", "guard")]
    guard = [i for i, r in enumerate(rows) if r["split"] == "guard" and r["gold"] in CLASSES]
    with gzip.open(args.labels, "rt", encoding="utf-8") as handle:
        dev_total = sum(len(r["entities"]) for line in handle if is_dev((r := json.loads(line))["ref"], 0.1))
    print(f"{len(folds)} entities to train on, {len(dev)} dev entities ({dev_total} labelled on dev)")
    w = train([encoded[i] for i in folds], gold[folds], args.epochs, args.l2, args.seed)
    dev_views, dev_gold = [views[i] for i in dev], [rows[i]["gold"] for i in dev]
    dev_probs = [EntityTyper(w, 2.0, 2.0).probabilities(encoded[i]) for i in dev]
    base = score(EntityTyper(w, 2.0, 2.0), dev_views, dev_probs, dev_gold, dev_total)
    print(f"dev without the typer: F {base[0]:.4f} (tp {base[1]}, fp {base[2]})")
    guard_probs = [
        (views[i], EntityTyper(w, 2.0, 2.0).probabilities(encoded[i]), rows[i]["gold"]) for i in guard
    ]

    def broken(typer: EntityTyper) -> list[str]:
        """Guard entities the rules type right and the typer would not (changed or dropped)."""
        return [
            view.canonical
            for view, p, cls in guard_probs
            if LABEL_CLASSES[view.label] == cls and (typer.choose(view, p) or cls) != cls
        ]

    grid = {
        (float(retype), float(drop)): score(
            EntityTyper(w, float(retype), float(drop)), dev_views, dev_probs, dev_gold, dev_total
        )[0]
        for retype in np.arange(0.25, 1.0001, 0.05)
        for drop in np.arange(0.25, 1.0001, 0.05)
    }
    allowed = {k: f for k, f in grid.items() if not broken(EntityTyper(w, k[0], k[1]))}
    free = max(grid, key=lambda k: (grid[k], k[1], k[0]))
    print(
        f"{len(guard)} guard entities (seed corpus, seed article); the best thresholds without the guard, "
        f"retype ≥ {free[0]:.2f}, drop ≥ {free[1]:.2f} (F {grid[free]:.4f}), would break "
        f"{len(broken(EntityTyper(w, *free)))}: {broken(EntityTyper(w, *free))[:12]}"
    )
    grid = allowed
    top = max(grid.values())
    # acting on an entity needs to be sure: of the thresholds within args.tolerance of the best F,
    # the most cautious ones (the highest drop threshold, then the highest retype threshold)
    near = [k for k, f in grid.items() if f >= top - args.tolerance]
    retype, drop = max(near, key=lambda k: (k[1], k[0]))
    best = (grid[(retype, drop)], retype, drop)
    print(f"dev with the typer: best F {top:.4f} among thresholds that break no guard entity")
    print(f"dev with the typer: F {best[0]:.4f} at retype ≥ {best[1]:.2f}, drop ≥ {best[2]:.2f}")
    curve = [
        f"{d:.2f}: "
        f"{score(EntityTyper(w, best[1], float(d)), dev_views, dev_probs, dev_gold, dev_total)[0]:.4f}"
        for d in np.arange(0.25, 1.0001, 0.05)
    ]
    print(f"dev F by drop threshold (retype ≥ {best[1]:.2f}): {', '.join(curve)}")
    final = train(encoded, gold, args.epochs, args.l2, args.seed) if args.refit else w
    typer = EntityTyper(final, round(best[1], 2), round(best[2], 2))
    data = typer.to_bytes()
    args.out.write_bytes(data)
    print(
        f"wrote {args.out} ({len(data) / 1e6:.2f} MB, sha256 {hashlib.sha256(data).hexdigest()}); "
        f"CPU {time.process_time() - started:.0f} s"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="step", required=True)
    fo = sub.add_parser("folds")
    fo.add_argument("--labels", type=Path, default=LABELS)
    fo.add_argument("--out-dir", type=Path, required=True)
    c = sub.add_parser("collect")
    c.add_argument("--labels", type=Path, default=LABELS)
    c.add_argument("--corpus", type=Path, default=CORPUS)
    c.add_argument("--fold-weights", nargs=2, required=True)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--seeds", type=Path, default=ROOT / "seeds" / "corpus.jsonl")
    c.add_argument("--seed-article", type=Path, default=ROOT / "tests" / "data" / "trump-xi-phone-call.txt")
    f = sub.add_parser("fit")
    f.add_argument("--views", type=Path, required=True)
    f.add_argument("--labels", type=Path, default=LABELS)
    f.add_argument("--epochs", type=int, default=8)
    f.add_argument("--l2", type=float, default=1e-5)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--no-vectors", action="store_true", help="without the static vectors (to measure them)")
    f.add_argument("--tolerance", type=float, default=0.0, help="F given up for more cautious thresholds")
    f.add_argument(
        "--refit", action="store_true", help="refit on every entity (dev too) once the thresholds are chosen"
    )
    f.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    return {"folds": folds, "collect": collect, "fit": fit}[args.step](args)


if __name__ == "__main__":
    raise SystemExit(main())
