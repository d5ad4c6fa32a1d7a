"""feedparser's own encoding corpus (219 files, fetched from its PyPI sdist by `make install` /
`make test`, never committed) through the feed mapping: no crash, no mojibake, every expected text."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from tests.support.ci import unavailable

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(sys.prefix) / "feedparser-corpus" / version("feedparser") / "encoding"
#: Charsets Python has no codec for at all (feedparser's own runner skips these files too).
NO_CODEC = {"x80_tcvn.xml", "x80_tcvn-5712.xml", "x80_tcvn5712-1.xml", "x80_viscii.xml", "x80_dbcs.xml"}


def test_the_encoding_corpus_decodes_without_mojibake(tmp_path: Path) -> None:
    if not (CORPUS.parent / ".complete").exists():
        unavailable(f"no feedparser corpus at {CORPUS}: run `make feed-corpus`")
    out = tmp_path / "encodings.json"
    script = ROOT / "bench" / "eval_feed_encodings.py"
    subprocess.run([sys.executable, str(script), str(CORPUS), "--json", str(out)], check=True, cwd=ROOT)
    report = json.loads(out.read_text(encoding="utf-8"))
    summary, files = report["summary"], report["files"]
    assert summary["mapping"] == "after" and summary["files_run"] >= 200
    assert summary["crashed"] == 0
    garbled = [f["name"] for f in files if f["garbled"] and not f["garbled_at_source"]]
    assert garbled == []
    wrong_text = {f["name"]: f["expected"] for f in files if f["text_ok"] is False}
    assert set(wrong_text) <= NO_CODEC, wrong_text
    assert summary["files_with_expected_text"] >= 100
    assert summary["expected_text_ok"] >= summary["files_with_expected_text"] - len(NO_CODEC)
    unmet = {f["name"] for f in files if f["expectation_ok"] is False}
    assert unmet <= NO_CODEC, sorted(unmet)
