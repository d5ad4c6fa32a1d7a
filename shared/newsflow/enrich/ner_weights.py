"""The English NER tuned on labelled Wikinews articles: weights shipped in the package, checked at load.

Only en_core_web_md's ``ner`` component was tuned (``training/tools/train_ner.py``; it has its own
tok2vec in md, so nothing else changes): the file holds that component's weights and transition
moves (``EntityRecognizer.to_bytes`` without the vocab), a few MB. The enrichment loads md, checks
the file's SHA-256 against the one pinned here, and loads the weights into md's ``ner``; a file whose
hash differs is refused (``TunedNerError``), never loaded. The weights apply to en_core_web_md 3.8.0
only: the small-model fallback (or any other model) runs as published. ``models.ner`` names the
result ``en_core_web_md-3.8.0+ner-<first 12 hex of the hash>``.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path

from spacy.language import Language
from spacy.pipeline import EntityRecognizer

from newsflow.enrich.nlp import cached_nlp, load_nlp, model_installed, model_version
from newsflow.enrich.pinned_files import read_pinned
from newsflow.enrich.settings import EnrichmentSettings

log = logging.getLogger(__name__)

#: The base model the weights were tuned from (``model_version`` of it).
BASE_MODEL = "en_core_web_md-3.8.0"
#: The shipped file (package data) and its SHA-256 (docs/enrichment.md, training/README.md).
TUNED_NER_FILE = "ner_en_core_web_md_wikinews.bin"
TUNED_NER_SHA256 = "1222fa7950648d9b429c999c0f52e4211f53de2d276365a126d6ce9554ad7920"


class TunedNerError(RuntimeError):
    """The tuned NER weights cannot be used (missing file, wrong hash, wrong base model)."""


def shipped_weights() -> Path:
    return Path(str(resources.files("newsflow").joinpath("data", TUNED_NER_FILE)))


def read_checked(path: Path, sha256: str) -> bytes:
    """The bytes of ``path`` if their SHA-256 is ``sha256``; ``TunedNerError`` otherwise."""
    return read_pinned(
        path,
        sha256,
        "tuned NER weights",
        "NEWSFLOW_ENRICH_TUNED_NER=false to run the published model",
        TunedNerError,
    )


def apply_tuned_ner(nlp: Language, path: Path, sha256: str) -> Language:
    """Load the checked weights into ``nlp``'s ``ner`` (in place) and mark its version."""
    version = model_version(nlp)
    if version != BASE_MODEL:
        raise TunedNerError(f"tuned NER weights are for {BASE_MODEL}, not {version}")
    ner = nlp.get_pipe("ner")
    if not isinstance(ner, EntityRecognizer):
        raise TunedNerError(f"{version} has no trainable ner component")
    data = read_checked(path, sha256)
    ner.from_bytes(data, exclude=["vocab"])
    nlp.meta["version"] = f"{nlp.meta.get('version', '0')}+ner-{sha256.lower()[:12]}"
    log.info("tuned NER weights loaded file=%s sha256=%s", path, sha256.lower())
    return nlp


@lru_cache(maxsize=2)
def _cached_tuned(name: str, path: str, sha256: str) -> Language:
    return apply_tuned_ner(load_nlp(name), Path(path), sha256)


def english_nlp(settings: EnrichmentSettings) -> Language:
    """The main pipeline of the settings: md with the tuned NER (when on), else as published.

    The fallback model (md not installed) never gets the tuned weights. Cached per process.
    """
    name, fallback = settings.spacy_model, settings.spacy_fallback_model
    if fallback and fallback != name and not model_installed(name):
        log.warning("spacy model not installed, using the fallback model=%s fallback=%s", name, fallback)
        return cached_nlp(fallback)
    if not settings.tuned_ner or name != "en_core_web_md":
        return cached_nlp(name)
    path = settings.tuned_ner_path or shipped_weights()
    sha256 = settings.tuned_ner_sha256 or TUNED_NER_SHA256
    return _cached_tuned(name, str(path), sha256)
