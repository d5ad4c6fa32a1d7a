"""The ``make run`` flow: ``newsflow run`` on a fresh run dir, run again, ``status --json``, ``stop``.

``newsflow run`` starts its own Kafka + Elasticsearch (free ports) in the run dir, so this test does not
use the session stack. It takes about a minute.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx

from newsflow.local.run import load_seeds

ROOT = Path(__file__).resolve().parents[2]
NEWSFLOW = ROOT / ".venv" / "bin" / "newsflow"
RUN_TIMEOUT_S = 600


def newsflow(*args: str, timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    return subprocess.run(
        [str(NEWSFLOW), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def processes_of(run_dir: Path) -> dict[int, str]:
    """Every live process whose command line or environment names ``run_dir`` (what the run started)."""
    needle = str(run_dir).encode()
    found: dict[int, str] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
            if ") Z " in (proc / "stat").read_text():
                continue
        except OSError:
            continue
        if needle in cmdline or needle in environ:
            found[int(proc.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")[:200]
    return found


def check_report(output: str, distinct_seeds: int) -> None:
    match = re.search(r"^articles indexed: (\d+) \(seeds expected: (\d+)\)$", output, re.MULTILINE)
    assert match, output
    assert int(match.group(1)) == int(match.group(2)) == distinct_seeds
    assert re.search(r"^top people: .+\(\d+\)", output, re.MULTILINE), output
    assert re.search(r"^top topics: .+\(\d+\)", output, re.MULTILINE), output
    example = output.split('example search "Xi Jinping phone call":', 1)
    assert len(example) == 2, output
    first_hit = example[1].strip().splitlines()[0]
    assert first_hit.startswith("- ") and "Xi" in first_hit, output
    assert "logs: " in output and "make stop" in output


def test_newsflow_run_twice_status_and_stop() -> None:
    articles, errors = load_seeds(ROOT / "seeds")
    assert not errors
    assert all(a.id.startswith(f"{a.source}:") for a in articles)  # ids scoped by source, as ingest does
    distinct_seeds = len({a.id for a in articles if not a.deleted})
    run_dir = Path(tempfile.mkdtemp(prefix="newsflow-e2e-run-"))
    run_dir.chmod(0o755)  # the Elasticsearch user must traverse it
    try:
        first = newsflow("run", "--run-dir", str(run_dir), "--seeds", str(ROOT / "seeds"))
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
        check_report(first.stdout, distinct_seeds)
        started = processes_of(run_dir)
        assert len(started) >= 5, started  # kafka, elasticsearch, ingest, enrichment, indexer

        second = newsflow("run", "--run-dir", str(run_dir), "--seeds", str(ROOT / "seeds"))
        assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
        check_report(second.stdout, distinct_seeds)
        for service in ("ingest", "enrichment", "indexer"):
            assert f"{service} already running" in second.stdout
        assert processes_of(run_dir) == started, "the second run started or lost processes"

        status = newsflow("status", "--json", "--run-dir", str(run_dir), timeout=60)
        assert status.returncode == 0, status.stdout + status.stderr
        data = json.loads(status.stdout)
        assert re.fullmatch(r"127\.0\.0\.1:\d+", data["kafka"]["bootstrap"])
        assert data["kafka"]["running"] and data["elasticsearch"]["running"]
        assert data["elasticsearch"]["url"].startswith("http://127.0.0.1:")
        assert data["elasticsearch"]["alias"] == "news-articles"
        assert Path(data["dev_api_keys_file"]).is_file()
        for name, service in data["services"].items():
            assert service["running"] and service["pid"] in started, name
            assert Path(service["log"]).is_file()
            assert httpx.get(f"{service['url']}/readyz", timeout=5).status_code == 200, name
            metrics = httpx.get(service["metrics_url"], timeout=5)
            assert metrics.status_code == 200 and "newsflow_" in metrics.text, name
    finally:
        stop = newsflow("stop", "--run-dir", str(run_dir), timeout=180)
        left = processes_of(run_dir)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert not left, f"processes still running after stop: {left}"
    shutil.rmtree(run_dir, ignore_errors=True)
