"""``newsflow scale`` arguments and the limits of :meth:`LocalPipeline.scale` (no process started)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from newsflow.cli.scale import parse_target
from newsflow.local.pipeline import LocalPipeline, PipelineConfig


def test_a_target_is_service_equals_count() -> None:
    assert parse_target("enrichment=4") == ("enrichment", 4)
    assert parse_target("indexer=0") == ("indexer", 0)
    for bad in ("ingest=2", "enrichment", "enrichment=-1", "enrichment=two", "=3"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_target(bad)


def test_scale_refuses_ingest_and_more_replicas_than_partitions(tmp_path: Path) -> None:
    pipeline = LocalPipeline(PipelineConfig(tmp_path, "127.0.0.1:9", "http://127.0.0.1:9", partitions=4))
    with pytest.raises(ValueError, match="only enrichment and indexer"):
        pipeline.scale("ingest", 2)
    with pytest.raises(ValueError, match=r"0\.\.4"):
        pipeline.scale("enrichment", 5)
    assert pipeline.replicas("enrichment") == []


def test_the_pipeline_config_is_recorded_and_opened_again(tmp_path: Path) -> None:
    config = PipelineConfig(tmp_path, "127.0.0.1:9", "http://127.0.0.1:9", raw_topic="x.raw", partitions=6)
    LocalPipeline(config)
    assert LocalPipeline.open(tmp_path).config == config
    with pytest.raises(FileNotFoundError):
        LocalPipeline.open(tmp_path / "elsewhere")
