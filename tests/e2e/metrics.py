"""Prometheus scrapes as ``{(sample name, labels): value}`` and the sums the end-to-end tests check."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse_metrics(text: str) -> Samples:
    """Prometheus text as ``{(sample name, labels): value}``."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """Sum of the samples named ``name`` whose labels include ``labels`` (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def series(samples: Samples, name: str) -> list[dict[str, str]]:
    """Label sets of every sample named ``name``."""
    return [dict(ls) for (n, ls), _ in samples.items() if n == name]


async def scrape(client: httpx.AsyncClient, base_url: str) -> Samples:
    """The samples a service's ``/metrics`` serves now."""
    response = await client.get(f"{base_url}/metrics", timeout=5.0)
    assert response.status_code == 200
    return parse_metrics(response.text)
