"""Write shared/newsflow/data/iptc_topics_prior.json: the topic model's average output on news it did not see.

The classifier leans towards the topics that dominate its training news (politics is 1,210 of the
3,525 labelled Wikinews articles). Dividing each topic's probability by the model's average
probability for it (to the power ``alpha``, then renormalising) is the classic correction for a shift
of class priors: it removes what the model says about *any* news article and keeps what it says
about *this* one.

The average is taken **out of fold**, on the training articles themselves: the labelled Wikinews
articles are split into ``FOLDS`` folds by a stable hash of their reference; for each fold a model is
trained exactly as ``scripts/train_topics.py`` trains the shipped one, but without that fold, and
scores the fold's articles (labels unused). The mean of those scores over all articles is the prior.
So the prior needs no text beyond the training data (earlier priors used NewsArticles texts, whose
terms were never verified), and never looks at the evaluation set. How strongly to apply it
(``alpha``) was chosen on the dev half of the evaluation set (docs/topics.md, "Output prior").

Reproducible: same training file, same folds, same model code → same file (about 3 minutes on 2 cores).

Usage: .venv/bin/python scripts/estimate_topic_prior.py [--alpha A] [--wikinews PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import train_topics as corpora  # noqa: E402

from newsflow.enrich.topics_iptc import (  # noqa: E402
    MODEL_FILE,
    PRIOR_FILE,
    TopicClassifier,
    load_taxonomy,
    model_hash,
)

OUT = ROOT / "shared" / "newsflow" / "data" / PRIOR_FILE
#: Chosen on the dev half of the evaluation set among 0.25, 0.5, 0.75, 1.0 (docs/topics.md).
DEFAULT_ALPHA = 0.5
FOLDS = 5


def fold_of(ref: str) -> int:
    """The fold of a training article: a stable hash of its reference."""
    return int(hashlib.sha256(ref.encode("utf-8")).hexdigest(), 16) % FOLDS


def out_of_fold_mean(wikinews: Path) -> tuple[np.ndarray, int]:
    """Mean probability of each topic over the Wikinews articles, each scored by a model not trained on it."""
    taxonomy = corpora.load_taxonomy_file()
    labels = load_taxonomy()
    articles = corpora.read_wikinews(wikinews)
    docs = corpora.load_wikinews(wikinews)
    refs = [a["ref"] for a in articles]
    # load_wikinews gives each article's primary document first, then one per accepted topic
    doc_refs = [ref for a, ref in zip(articles, refs, strict=True) for _ in range(1 + len(a["accepted"]))]
    seeds = corpora.seed_docs(taxonomy)
    scores: list[npt.NDArray[np.float32]] = []
    for fold in range(FOLDS):
        train_docs = [d for d, ref in zip(docs, doc_refs, strict=True) if fold_of(ref) != fold] + seeds
        model = corpora.train(train_docs, taxonomy, {"fold": str(fold)})
        classifier = TopicClassifier(model, labels)
        scores.extend(classifier.scores(a["title"], a["body"]) for a in articles if fold_of(a["ref"]) == fold)
    return np.mean(scores, axis=0), len(scores)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA)
    parser.add_argument("--wikinews", type=Path, default=corpora.WIKINEWS_FILE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    shipped = json.loads((corpora.DATA_PATH / MODEL_FILE).read_text("utf-8"))
    mean, texts = out_of_fold_mean(args.wikinews)
    codes = [t.code for t in load_taxonomy()]
    record = {
        "model": f"{shipped['taxonomy_version']}/{model_hash(shipped)}",
        "source": f"out-of-fold scores ({FOLDS} folds) of the labelled Wikinews training articles "
        "(training/wikinews_topics.jsonl.gz), labels unused",
        "texts": texts,
        "alpha": args.alpha,
        "mean_scores": {code: round(float(v), 6) for code, v in zip(codes, mean, strict=True)},
    }
    args.out.write_text(json.dumps(record, indent=1) + "\n", "utf-8")
    politics = record["mean_scores"]["medtop:11000000"]
    sys.stdout.write(f"wrote {args.out}: {texts} texts, mean politics score {politics}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
