"""Near-duplicate fingerprint: a 64-bit SimHash over word shingles, as 16 hex digits.

Wire copies of one story (same text, different headline, a changed sentence or two) get
fingerprints a few bits apart; unrelated stories differ in about half of the 64 bits.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import numpy as np

FINGERPRINT_VERSION = "simhash64-w3-1"
SHINGLE_WORDS = 3
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE_WORDS) -> Counter[str]:
    """Counts of the lower-cased word n-grams of ``text`` (the whole text when it is shorter)."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if len(words) <= size:
        return Counter([" ".join(words)]) if words else Counter()
    return Counter(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def _digest(value: str) -> bytes:
    return hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest()


def simhash(text: str) -> str:
    """The SimHash of ``text``: 16 lower-case hex digits (all zeros for text without words)."""
    counted = shingles(text)
    if not counted:
        return "0" * 16
    digests = b"".join(_digest(s) for s in counted)
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(-1, 8), axis=1)  # MSB first
    counts = np.fromiter(counted.values(), dtype=np.int64, count=len(counted))
    weights = counts @ (bits.astype(np.int64) * 2 - 1)
    return np.packbits(weights > 0).tobytes().hex()


def hamming_distance(a: str, b: str) -> int:
    """Number of differing bits between two hex fingerprints."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def is_near_duplicate(a: str, b: str, max_distance: int = 3) -> bool:
    """Whether two fingerprints are close enough to group the articles as copies of one story."""
    return hamming_distance(a, b) <= max_distance
