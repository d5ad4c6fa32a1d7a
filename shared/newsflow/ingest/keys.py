"""Creating API keys: a new random key for a source, stored hashed in the keys file.

From the shell: ``newsflow keys create SOURCE [--file PATH]`` (``python -m newsflow.ingest.keys SOURCE
[--file PATH]`` is the same, for images without the ``newsflow`` command).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import orjson
from pydantic import SecretStr

from newsflow.ingest.auth import KeyEntry, KeysFile, hash_key, load_keys
from newsflow.models import SOURCE_PATTERN

KEY_PREFIX = "nfk_"


def create_api_key(keys_file: Path, source: str, *, hmac_secret: str | None = None) -> str:
    """Create a key for ``source``, append its hash to ``keys_file`` (mode 0600) and return the key.

    The key itself is returned once and never stored.
    """
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    entry = KeyEntry(
        key_id="k-" + secrets.token_hex(4),
        source=source,
        sha256=hash_key(key),
        hmac_secret=SecretStr(hmac_secret) if hmac_secret else None,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    current = load_keys(keys_file)
    write_keys(keys_file, KeysFile(keys=[*current.keys, entry]))
    return key


def write_keys(keys_file: Path, content: KeysFile) -> None:
    """Write the keys file atomically, readable by its owner only."""
    keys_file.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "keys": [
            {
                **e.model_dump(exclude={"hmac_secret"}, exclude_none=True),
                **({"hmac_secret": e.hmac_secret.get_secret_value()} if e.hmac_secret else {}),
            }
            for e in content.keys
        ]
    }
    fd, tmp = tempfile.mkstemp(dir=keys_file.parent, prefix=keys_file.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps(data, option=orjson.OPT_INDENT_2))
        os.chmod(tmp, 0o600)
        os.replace(tmp, keys_file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


DEFAULT_KEYS_FILE = Path(".newsflow/api-keys.json")


def add_create_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of key creation: ``SOURCE [--file PATH]`` (``newsflow keys create`` and ``main``)."""
    parser.add_argument("source", help=f"source id ({SOURCE_PATTERN})")
    parser.add_argument("--file", type=Path, default=DEFAULT_KEYS_FILE, help="the keys file to append to")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m newsflow.ingest.keys SOURCE [--file PATH]``: alias of ``newsflow keys create``."""
    parser = argparse.ArgumentParser(prog="python -m newsflow.ingest.keys", description=main.__doc__)
    add_create_arguments(parser)
    args = parser.parse_args(argv)
    sys.stdout.write(create_api_key(args.file, args.source) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
