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


def test_status_lists_every_recorded_replica(tmp_path: Path) -> None:
    from newsflow.local import processes as procs
    from newsflow.local.status import collect

    LocalPipeline(PipelineConfig(tmp_path, "127.0.0.1:9", "http://127.0.0.1:9"))
    (tmp_path / "services.json").write_text(
        '{"enrichment-0": "http://127.0.0.1:1", "enrichment-1": "http://127.0.0.1:2"}', encoding="utf-8"
    )
    started = [procs.start(tmp_path, f"enrichment-{n}", ["sleep", "30"], {}) for n in (0, 1)]
    try:
        enrichment = collect(tmp_path)["services"]["enrichment"]
        assert [r["name"] for r in enrichment["replicas"]] == ["enrichment-0", "enrichment-1"]
        assert [r["url"] for r in enrichment["replicas"]] == ["http://127.0.0.1:1", "http://127.0.0.1:2"]
        assert enrichment["replicas_running"] == 2 and enrichment["running"]
        assert enrichment["url"] == "http://127.0.0.1:1"
        assert LocalPipeline.open(tmp_path).replicas("enrichment") == [0, 1]
    finally:
        procs.stop_all(tmp_path, grace_s=5)
    assert collect(tmp_path)["services"]["enrichment"]["replicas"] == []
    assert all(not procs.pid_alive(r.pid) for r in started)
