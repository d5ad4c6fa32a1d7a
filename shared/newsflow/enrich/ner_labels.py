"""Entity labels of training articles → character spans for spaCy's NER (issue 12's NER tuning).

Pure functions, no model. An annotation names an entity by its type and the exact ``forms`` the text
uses for it (``training/wikinews_entity_labels.jsonl.gz``, training/README.md). ``project_forms``
finds every form on word boundaries, longest first, without overlaps; ``merge_with_model`` keeps
the base model's spans of the labels nobody annotated (dates, nationalities, events, ...) where they
do not touch an annotated span, and says what to do with its spans of the annotated labels that no
annotation covers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

#: The annotation guide's types → spaCy (OntoNotes) labels.
TYPE_LABELS: Mapping[str, str] = {
    "person": "PERSON",
    "org": "ORG",
    "gpe": "GPE",
    "loc": "LOC",
    "fac": "FAC",
}
#: The labels the annotators decided; every other label of the model is kept from its own output.
ANNOTATED_LABELS = frozenset(TYPE_LABELS.values())

#: What becomes of a base-model span of an annotated label that no annotation covers.
Unlabelled = Literal["outside", "missing"]


@dataclass(frozen=True, order=True)
class CharSpan:
    """``text[start:end]`` is an entity of ``label``."""

    start: int
    end: int
    label: str

    def overlaps(self, other: CharSpan) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class LabelledEntity:
    """One annotated entity: its type (``person``/``org``/``gpe``/``loc``/``fac``) and its forms."""

    type: str
    canonical: str
    forms: tuple[str, ...]


def parse_entities(raw: Iterable[Mapping[str, object]]) -> list[LabelledEntity]:
    """Annotations as written in the labels file (``type``, ``canonical``, ``forms``)."""
    entities = []
    for item in raw:
        kind = str(item["type"])
        if kind not in TYPE_LABELS:
            raise ValueError(f"unknown entity type {kind!r}")
        forms = item.get("forms") or []
        if not isinstance(forms, list):
            raise ValueError(f"forms of {item.get('canonical')!r} is not a list")
        entities.append(LabelledEntity(kind, str(item["canonical"]), tuple(str(f) for f in forms)))
    return entities


def form_occurrences(text: str, form: str) -> list[tuple[int, int]]:
    """Where ``form`` occurs in ``text`` on word boundaries (not inside a longer word)."""
    if not form.strip():
        return []
    pattern = re.compile(r"(?<!\w)" + re.escape(form) + r"(?!\w)")
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def project_forms(text: str, entities: Sequence[LabelledEntity]) -> list[CharSpan]:
    """Character spans of every form of every entity in ``text``: longest match first, no overlaps.

    A form seen under two entities keeps the first entity's label (the guide gives a string one
    entity per article). Spans are returned in text order.
    """
    candidates: list[tuple[int, int, int, str]] = []  # (-length, start, order, label)
    for order, entity in enumerate(entities):
        label = TYPE_LABELS[entity.type]
        for form in entity.forms:
            for start, end in form_occurrences(text, form):
                candidates.append((-(end - start), start, order, label))
    chosen: list[CharSpan] = []
    for neg_length, start, _, label in sorted(candidates):
        span = CharSpan(start, start - neg_length, label)
        if not any(span.overlaps(c) for c in chosen):
            chosen.append(span)
    return sorted(chosen)


@dataclass(frozen=True)
class Projection:
    """The spans one training text teaches, and the spans whose label is left unknown."""

    entities: tuple[CharSpan, ...]
    missing: tuple[CharSpan, ...] = ()


def merge_with_model(
    annotated: Sequence[CharSpan],
    model_spans: Sequence[CharSpan],
    unlabelled: Unlabelled = "outside",
) -> Projection:
    """The annotated spans plus the model's own spans of the other labels that touch none of them.

    The model's spans of an annotated label (PERSON, ORG, GPE, LOC, FAC) that no annotation overlaps
    are dropped (``outside``: taught as no entity, the annotators were asked to tag every one) or
    returned as ``missing`` (neither taught nor penalised).
    """
    kept = list(annotated)
    missing: list[CharSpan] = []
    for span in model_spans:
        if any(span.overlaps(a) for a in annotated):
            continue
        if span.label not in ANNOTATED_LABELS:
            if not any(span.overlaps(k) for k in kept):
                kept.append(span)
        elif unlabelled == "missing":
            missing.append(span)
    return Projection(tuple(sorted(kept)), tuple(sorted(missing)))
