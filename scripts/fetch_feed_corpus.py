"""Fetch feedparser's encoding test corpus (BSD licence) for the installed feedparser, once.

    .venv/bin/python scripts/fetch_feed_corpus.py      # make install / make test run it

The corpus is not committed: it ships in feedparser's source distribution on PyPI, so this asks pip
for exactly that (``pip download feedparser==<installed version> --no-binary :all: --no-deps``; pip
checks the file against PyPI's hash) and keeps ``tests/encoding/*.xml`` and the licence under
``<venv>/feedparser-corpus/<version>/``. A second run finds it there and does nothing. Used by
``bench/eval_feed_encodings.py`` and ``tests/unit/test_ingest_feed_encodings.py``.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path, PurePosixPath


def corpus_dir() -> Path:
    """Where the corpus of the installed feedparser lives."""
    return Path(sys.prefix) / "feedparser-corpus" / version("feedparser")


def extract(sdist: Path, dest: Path) -> int:
    """Copy ``tests/encoding/*.xml`` and ``LICENSE`` out of ``sdist`` into ``dest``; return the count."""
    count = 0
    (dest / "encoding").mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or len(parts) < 2:
                continue
            inner = parts[1:]
            if inner[:2] == ("tests", "encoding") and len(inner) == 3 and inner[2].endswith(".xml"):
                target = dest / "encoding" / inner[2]
            elif inner == ("LICENSE",):
                target = dest / "LICENSE"
            else:
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            target.write_bytes(source.read())
            count += target.parent.name == "encoding"
    return count


def main() -> int:
    dest = corpus_dir()
    done = dest / ".complete"
    if done.exists():
        print(f"feedparser corpus: {dest} (cached)")
        return 0
    wanted = f"feedparser=={version('feedparser')}"
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "download", "-q", wanted]
        command += ["--no-binary", ":all:", "--no-deps", "--no-build-isolation", "-d", tmp]
        subprocess.run(command, check=True)
        (sdist,) = Path(tmp).glob("feedparser-*.tar.gz")
        count = extract(sdist, dest)
    if count < 100:
        print(f"feedparser corpus: only {count} encoding files in {sdist.name}", file=sys.stderr)
        return 1
    done.write_text(f"{wanted} {count} files\n")
    print(f"feedparser corpus: {count} encoding files in {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
