"""Text analysis of the article index: one set of analyzers, built from what the node offers.

Three flavours, with the same analyzer names and the same fields:

- ``full``: a node with analysis-common (the default distribution, the Docker image): the filters are
  built-in ones (``stemmer``, ``asciifolding``, ``elision``, ``german_normalization``).
- ``plugin``: the minimal node of the local stack, with newsflow's analysis plugin
  (``newsflow/local/stack/es-analysis-plugin``): each ``newsflow_*`` filter is the very Lucene filter
  the built-in one of the same role uses, so both analyse text identically.
- ``basic``: a minimal node without the plugin: no stemming or folding (``standard`` everywhere).

Analyzers (``plugin``/``full``): ``nf_english`` (possessive, lowercase, ASCII folding, light English
stemmer: KStem) for title, body and entity names; ``nf_exact`` (lowercase only) for the unstemmed
``.exact`` sub-fields; ``nf_<lang>`` for the per-language fields of de, fr, es, it and nl;
``nf_suggest`` (lowercase, folding; the minimal node has no ``keyword`` tokenizer) for entity-name
autocomplete. Keyword
filter fields use the built-in ``lowercase`` normalizer on every node (the stable plugin API cannot
provide a normalizer filter, so keyword folding of accents is not offered anywhere).
"""

from __future__ import annotations

from typing import Any, Literal

Analysis = Literal["full", "plugin", "basic"]
AnalysisChoice = Literal["auto", "full", "plugin", "basic"]

LANGUAGES: tuple[str, ...] = ("de", "fr", "es", "it", "nl")
ENGLISH = "nf_english"
EXACT = "nf_exact"
SUGGEST = "nf_suggest"

# The elision articles; the plugin's Filters.java carries the same lists (a unit test compares them).
ELISION_ARTICLES: dict[str, tuple[str, ...]] = {
    "fr": ("l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"),
    "it": (
        "c", "l", "all", "dall", "dell", "nell", "sull", "coll", "pell", "gl", "agl", "dagl", "degl",
        "negl", "sugl", "un", "m", "t", "s", "v", "d",
    ),
}  # fmt: skip

# filter name in the index → (plugin filter type, built-in definition on a full node)
_FILTERS: dict[str, tuple[str, dict[str, Any]]] = {
    "nf_possessive_en": (
        "newsflow_possessive_english",
        {"type": "stemmer", "language": "possessive_english"},
    ),
    "nf_stem_en": ("newsflow_light_english", {"type": "stemmer", "language": "light_english"}),
    "nf_fold": ("newsflow_asciifolding", {"type": "asciifolding"}),
    "nf_norm_de": ("newsflow_german_normalization", {"type": "german_normalization"}),
    "nf_stem_de": ("newsflow_light_german", {"type": "stemmer", "language": "light_german"}),
    "nf_elision_fr": (
        "newsflow_elision_french",
        {"type": "elision", "articles": list(ELISION_ARTICLES["fr"]), "articles_case": True},
    ),
    "nf_stem_fr": ("newsflow_light_french", {"type": "stemmer", "language": "light_french"}),
    "nf_stem_es": ("newsflow_light_spanish", {"type": "stemmer", "language": "light_spanish"}),
    "nf_elision_it": (
        "newsflow_elision_italian",
        {"type": "elision", "articles": list(ELISION_ARTICLES["it"]), "articles_case": True},
    ),
    "nf_stem_it": ("newsflow_light_italian", {"type": "stemmer", "language": "light_italian"}),
    "nf_stem_nl": ("newsflow_dutch", {"type": "stemmer", "language": "dutch"}),
}

# analyzer → its filter chain (after its tokenizer); the same on full and plugin nodes
_ANALYZERS: dict[str, list[str]] = {
    SUGGEST: ["lowercase", "nf_fold"],  # completion: a name's first letters, case and accents ignored
    ENGLISH: ["nf_possessive_en", "lowercase", "nf_fold", "nf_stem_en"],
    EXACT: ["lowercase"],
    "nf_de": ["lowercase", "nf_norm_de", "nf_stem_de", "nf_fold"],
    "nf_fr": ["nf_elision_fr", "lowercase", "nf_stem_fr", "nf_fold"],
    "nf_es": ["lowercase", "nf_stem_es", "nf_fold"],
    "nf_it": ["nf_elision_it", "lowercase", "nf_stem_it", "nf_fold"],
    "nf_nl": ["lowercase", "nf_stem_nl", "nf_fold"],
}

# Built-in analysis components the full-node settings may use (a unit test checks the rendering).
BUILTIN_FILTER_TYPES = frozenset({"stemmer", "asciifolding", "elision", "german_normalization", "lowercase"})
BUILTIN_TOKENIZERS = frozenset({"standard"})


def analyzer_for(analysis: Analysis, name: str, *, basic: str = "standard") -> str:
    """The analyzer a field uses: ``name`` (``nf_english``, ``nf_de``, ...), ``basic`` on a basic node."""
    if name not in _ANALYZERS:
        raise ValueError(f"unknown analyzer {name!r}")
    return basic if analysis == "basic" else name


def language_analyzer(language: str) -> str:
    """The analyzer name of a per-language field."""
    return f"nf_{language}"


def plugin_filter_types() -> list[str]:
    """The filter types the local plugin must register (its ``@NamedComponent`` names)."""
    return sorted(plugin_type for plugin_type, _ in _FILTERS.values())


def analysis_settings(analysis: Analysis) -> dict[str, Any]:
    """The ``index.analysis`` settings of a flavour (empty for ``basic``: built-in analyzers only)."""
    if analysis == "basic":
        return {}
    if analysis == "plugin":
        filters = {name: {"type": plugin_type} for name, (plugin_type, _) in _FILTERS.items()}
    else:
        filters = {name: dict(builtin) for name, (_, builtin) in _FILTERS.items()}
    analyzers = {
        name: {
            "type": "custom",
            "tokenizer": "standard",
            "filter": list(chain),
        }
        for name, chain in _ANALYZERS.items()
    }
    return {"filter": filters, "analyzer": analyzers}


# Probes: what ``_analyze`` must accept for a flavour to be available on a node.
PROBES: dict[Analysis, dict[str, Any]] = {
    "full": {"tokenizer": "standard", "filter": [{"type": "stemmer", "language": "light_english"}]},
    "plugin": {"tokenizer": "standard", "filter": ["newsflow_light_english", "newsflow_asciifolding"]},
}
