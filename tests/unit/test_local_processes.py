"""The one process layer of a local run: a pid is signalled only while it carries our markers."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from newsflow.local import processes

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_started_service_is_ours_until_stopped(tmp_path: Path) -> None:
    record = processes.start(tmp_path, "ingest-1", SLEEPER, {})
    try:
        assert processes.running(tmp_path, "ingest-1") == record
        assert processes.stop_all(tmp_path, grace_s=5.0) == {"ingest-1": True}
        assert not processes.pid_alive(record.pid)
        assert processes.load(tmp_path, "ingest-1") is None
        assert processes.stop(tmp_path, "ingest-1") is False  # nothing recorded any more
    finally:
        processes.stop_pid(record.pid, (record.marker,), "sleeper", grace=1.0, force=True)


def test_a_marker_claims_whole_words_only(tmp_path: Path) -> None:
    record = processes.start(tmp_path, "ingest-10", SLEEPER, {})
    try:
        assert processes.pid_is_ours(record.pid, (record.marker,))
        shorter = record.marker.removesuffix("0")  # what replica ingest-1 would carry
        assert not processes.pid_is_ours(record.pid, (shorter,))
        assert processes.stop_pid(record.pid, (shorter,), "ingest-1", grace=1.0) is False
        assert processes.pid_alive(record.pid)  # left alone
        assert not processes.pid_is_ours(record.pid, ())  # no marker proves nothing
    finally:
        processes.stop_pid(record.pid, (record.marker,), "sleeper", grace=1.0, force=True)


def test_jvm_markers_count_as_arguments_or_words_of_one(tmp_path: Path) -> None:
    markers = processes.marker_args(tmp_path, "elasticsearch")
    assert markers == [f"-Dnewsflow.stack.dir={tmp_path}", "-Dnewsflow.stack.component=elasticsearch"]
    separate = processes.spawn([*SLEEPER, *markers], log_file=tmp_path / "a.log")
    joined = processes.spawn([*SLEEPER, "-Xms1m " + " ".join(markers)], log_file=tmp_path / "b.log")
    try:
        for proc in (separate, joined):
            assert processes.pid_is_ours(proc.pid, markers)
            assert not processes.pid_is_ours(proc.pid, processes.marker_args(tmp_path, "kafka"))
            assert not processes.pid_is_ours(
                proc.pid, processes.marker_args(tmp_path / "other", "elasticsearch")
            )
        started = time.monotonic()
        assert processes.stop_pid(separate.pid, markers, "elasticsearch", grace=5.0)
        assert time.monotonic() - started < 5.0  # SIGTERM was enough
        assert not processes.pid_alive(separate.pid)
    finally:
        for proc in (separate, joined):
            processes.stop_pid(proc.pid, markers, "sleeper", grace=1.0, force=True)
