"""Model files shipped as package data, read only when their SHA-256 is the one the code pins."""

from __future__ import annotations

import hashlib
from pathlib import Path


def read_pinned(path: Path, sha256: str, what: str, switch_off: str, error: type[Exception]) -> bytes:
    """The bytes of ``path`` if their SHA-256 is ``sha256``; ``error`` otherwise, naming the file,
    both hashes and the setting (``switch_off``) that runs without it. ``what`` names the file in
    messages ("tuned NER weights")."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{what} not readable: {path}: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256.lower():
        raise error(
            f"{what} refused: {path} has SHA-256 {digest}, expected {sha256.lower()} "
            f"(a changed or damaged file; set {switch_off})"
        )
    return data
