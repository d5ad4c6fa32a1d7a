"""The index analysis: the full-node template uses only built-in components, the local plugin matches it."""

from __future__ import annotations

import re

import orjson
import pytest

from newsflow.index.analysis import (
    BUILTIN_FILTER_TYPES,
    BUILTIN_TOKENIZERS,
    ELISION_ARTICLES,
    LANGUAGES,
    plugin_filter_types,
)
from newsflow.index.design import mappings, template_body
from newsflow.index.documents import to_document
from newsflow.index.settings import IndexerSettings
from newsflow.local.stack import analysis_plugin
from newsflow.settings import ElasticsearchSettings
from tests.support.articles import enriched_article as make_article

SETTINGS = ElasticsearchSettings(url="http://127.0.0.1:9200", alias="news-articles")


def _text_fields(mapping: dict[str, object], prefix: str = "") -> dict[str, str]:
    """Every text field (sub-fields included) → its analyzer."""
    found: dict[str, str] = {}
    for name, spec in mapping.items():
        assert isinstance(spec, dict)
        path = f"{prefix}{name}"
        if spec.get("type") == "text":
            found[path] = spec["analyzer"]
        for sub, sub_spec in spec.get("fields", {}).items():
            if sub_spec.get("type") == "text":
                found[f"{path}.{sub}"] = sub_spec["analyzer"]
        if "properties" in spec:
            found.update(_text_fields(spec["properties"], f"{path}."))
    return found


def test_full_template_uses_only_built_in_analysis_components() -> None:
    body = template_body(SETTINGS, "full")
    analysis = body["settings"]["analysis"]
    for name, definition in analysis["filter"].items():
        assert definition["type"] in BUILTIN_FILTER_TYPES, name
    builtin_or_defined = BUILTIN_FILTER_TYPES | set(analysis["filter"])
    for name, analyzer in analysis["analyzer"].items():
        assert analyzer["tokenizer"] in BUILTIN_TOKENIZERS, name
        assert set(analyzer["filter"]) <= builtin_or_defined, name
    assert b"newsflow_" not in orjson.dumps(body)
    used = set(_text_fields(body["mappings"]["properties"]).values())
    assert used <= set(analysis["analyzer"])


def test_full_and_plugin_templates_have_the_same_fields_and_analyzer_chains() -> None:
    full, plugin = template_body(SETTINGS, "full"), template_body(SETTINGS, "plugin")
    assert full["settings"]["analysis"]["analyzer"] == plugin["settings"]["analysis"]["analyzer"]
    assert set(full["settings"]["analysis"]["filter"]) == set(plugin["settings"]["analysis"]["filter"])
    strip = {"_meta"}
    assert {k: v for k, v in full["mappings"].items() if k not in strip} == {
        k: v for k, v in plugin["mappings"].items() if k not in strip
    }
    fields = _text_fields(full["mappings"]["properties"])
    assert fields["title"] == fields["body"] == fields["entity_names.text"] == "nf_english"
    assert fields["title.exact"] == fields["body.exact"] == "nf_exact"
    for lang in LANGUAGES:
        assert fields[f"by_language.{lang}.body"] == f"nf_{lang}"


def test_basic_mapping_has_the_same_fields_with_built_in_analyzers() -> None:
    basic = template_body(SETTINGS, "basic")
    assert "analysis" not in basic["settings"]
    fields = _text_fields(basic["mappings"]["properties"])
    assert fields.keys() == _text_fields(mappings("full")["properties"]).keys()
    assert set(fields.values()) == {"standard"}


def test_plugin_provides_every_filter_type_the_plugin_template_uses() -> None:
    assert analysis_plugin.filter_names() == plugin_filter_types()


def test_plugin_elision_articles_match_the_full_template() -> None:
    java = (analysis_plugin.SOURCES / "src/main/java/newsflow/analysis/Filters.java").read_text()
    for lang, constant in (("fr", "FRENCH_ARTICLES"), ("it", "ITALIAN_ARTICLES")):
        found = re.search(rf"{constant} = List\.of\(([^)]*)\)", java)
        assert found is not None, constant
        assert tuple(re.findall(r'"([^"]+)"', found.group(1))) == ELISION_ARTICLES[lang]


def test_keyword_filter_fields_are_lower_cased() -> None:
    props = mappings("plugin")["properties"]
    for name in ("source", "section", "tags", "language", "topic_labels", "topic_codes"):
        assert props[name]["normalizer"] == "lowercase", name
    for spec in (props["entity_names"], props["authors"], props["entities_by_type"]["properties"]["person"]):
        assert spec["fields"]["lower"]["normalizer"] == "lowercase"
        assert "normalizer" not in spec  # facets keep names as written


def test_document_carries_its_text_under_its_detected_language_only() -> None:
    english = to_document(make_article())
    assert english["by_language"] == {}
    german = make_article()
    assert german.enrichment is not None
    german = german.model_copy(update={"enrichment": german.enrichment.model_copy(update={"language": "de"})})
    doc = to_document(german)
    assert doc["by_language"] == {"de": {"title": doc["title"], "body": doc["body"]}}


@pytest.mark.parametrize(
    ("given", "read"), [("english", "full"), ("standard", "basic"), ("plugin", "plugin")]
)
def test_the_analyzer_setting_still_reads_the_names_of_earlier_releases(given: str, read: str) -> None:

    assert IndexerSettings(analyzer=given).analyzer == read  # type: ignore[arg-type]
