"""Who may write: per-source API keys stored hashed, and optional HMAC signatures of request bodies.

Keys file (JSON)::

    {"keys": [{"key_id": "k-1a2b", "source": "reuters", "sha256": "<hex of sha256(key)>",
               "hmac_secret": "<optional shared secret for signed webhooks>"}]}

API keys are high-entropy random strings, so a plain SHA-256 is a sufficient hash (no key
stretching needed). Presented keys are compared against every stored hash with
:func:`hmac.compare_digest`. Neither keys nor secrets are ever logged.

Signatures (webhook-style senders): header ``X-Newsflow-Timestamp`` (Unix seconds) and
``X-Newsflow-Signature: sha256=<hex>`` where the hex is HMAC-SHA256(secret, f"{timestamp}." + body).
Timestamps outside the tolerance window are refused, and so is a signature seen before within it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter

from newsflow.models import SourceId

log = logging.getLogger(__name__)

SIGNATURE_PREFIX = "sha256="
HEADER_TIMESTAMP = "x-newsflow-timestamp"
HEADER_SIGNATURE = "x-newsflow-signature"


class KeyEntry(BaseModel):
    """One stored API key: its hash, the source it may write, an optional HMAC secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key_id: str = Field(min_length=1, max_length=64)
    source: SourceId
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    hmac_secret: SecretStr | None = None
    created_at: str | None = None


class KeysFile(BaseModel):
    """The content of the API keys file."""

    model_config = ConfigDict(extra="forbid")

    keys: list[KeyEntry] = Field(default_factory=list)


_KEYS_FILE = TypeAdapter(KeysFile)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the source it writes and, if any, its HMAC secret."""

    key_id: str
    source: str
    hmac_secret: SecretStr | None


class SignatureError(Exception):
    """A missing, malformed, stale, replayed or wrong body signature."""


def hash_key(key: str) -> str:
    """The stored form of an API key: SHA-256 hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def load_keys(path: Path) -> KeysFile:
    """Read the keys file; a missing file means no keys (every write is refused)."""
    if not path.exists():
        return KeysFile()
    return _KEYS_FILE.validate_python(orjson.loads(path.read_bytes()))


class KeyStore:
    """Resolves a presented API key to the :class:`Principal` it belongs to."""

    def __init__(self, entries: list[KeyEntry]) -> None:
        self._entries = [(bytes.fromhex(e.sha256), e) for e in entries]

    @classmethod
    def from_file(cls, path: Path) -> KeyStore:
        """A key store over the entries of a keys file."""
        return cls(load_keys(path).keys)

    def __len__(self) -> int:
        return len(self._entries)

    def authenticate(self, presented: str | None) -> Principal | None:
        """The principal of a presented key, or None. Compares against every entry in constant time."""
        if not presented:
            return None
        digest = hashlib.sha256(presented.encode("utf-8", "replace")).digest()
        found: KeyEntry | None = None
        for stored, entry in self._entries:
            if hmac.compare_digest(stored, digest) and found is None:
                found = entry
        if found is None:
            return None
        return Principal(found.key_id, found.source, found.hmac_secret)


#: What identifies one version of the keys file: (inode, size, mtime in ns); None when it is absent.
FileVersion = tuple[int, int, int] | None


def _file_version(path: Path) -> FileVersion:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class ReloadingKeyStore:
    """The key store of a keys file, reloaded when the file changed, so keys change without a restart.

    The file is looked at (one ``stat``) at most every ``check_every_s`` seconds. A changed file is
    read again; a file that cannot be read or parsed keeps the previous keys (and logs an error), a
    removed file means no keys.
    """

    def __init__(
        self,
        path: Path,
        *,
        check_every_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.check_every_s = check_every_s
        self._clock = clock
        self._keys = KeyStore([])
        self._version: FileVersion | tuple[()] = ()  # () = never loaded
        self._checked: float | None = None
        self.current()

    def current(self) -> KeyStore:
        """The keys of the file as it is now (as of the last check)."""
        now = self._clock()
        if self._checked is not None and now - self._checked < self.check_every_s:
            return self._keys
        self._checked = now
        version = _file_version(self.path)
        if version != self._version:
            try:
                self._keys = KeyStore.from_file(self.path)
                self._version = version
                log.info("api keys loaded keys=%d file=%s", len(self._keys), self.path)
            except (ValueError, OSError) as exc:
                log.error("api keys file unreadable file=%s error=%s", self.path, type(exc).__name__)
        return self._keys

    def __len__(self) -> int:
        return len(self.current())

    def authenticate(self, presented: str | None) -> Principal | None:
        """The principal of a presented key in the current keys (see :meth:`KeyStore.authenticate`)."""
        return self.current().authenticate(presented)


def presented_key(authorization: str | None, x_api_key: str | None) -> str | None:
    """The API key from ``Authorization: Bearer <key>`` or ``X-API-Key``."""
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    if x_api_key and x_api_key.strip():
        return x_api_key.strip()
    return None


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Newsflow-Signature`` value for a body sent at ``timestamp`` (what senders compute)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


class ReplayCache:
    """Signatures seen within the tolerance window; bounded so it cannot grow without limit."""

    def __init__(self, window_s: int, max_entries: int = 100_000) -> None:
        self.window_s = window_s
        self.max_entries = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()

    def check_and_add(self, signature: str, now: float) -> bool:
        """True when the signature is new (and remember it); False for a replay."""
        while self._seen:
            oldest, expires = next(iter(self._seen.items()))
            if expires > now and len(self._seen) < self.max_entries:
                break
            del self._seen[oldest]
        if signature in self._seen:
            return False
        self._seen[signature] = now + 2 * self.window_s
        return True


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    tolerance_s: int,
    replays: ReplayCache | None = None,
    now: float | None = None,
) -> None:
    """Check a body signature; raise :class:`SignatureError` with a reason that reveals no secret."""
    if not timestamp or not signature:
        raise SignatureError("missing X-Newsflow-Timestamp or X-Newsflow-Signature header")
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise SignatureError("X-Newsflow-Timestamp must be Unix seconds") from exc
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance_s:
        raise SignatureError("stale or future timestamp")
    if not hmac.compare_digest(sign(secret, body, sent).encode(), signature.strip().lower().encode()):
        raise SignatureError("signature does not match the body")
    if replays is not None and not replays.check_and_add(signature.strip().lower(), current):
        raise SignatureError("replayed signature")
