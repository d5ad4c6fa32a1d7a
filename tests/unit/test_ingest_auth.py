"""API keys (hashed, per source) and body signatures."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from newsflow.ingest.auth import (
    KeyStore,
    ReplayCache,
    SignatureError,
    hash_key,
    presented_key,
    sign,
    verify_signature,
)
from newsflow.ingest.keys import create_api_key


def test_created_keys_are_stored_only_as_hashes_and_resolve_to_their_source(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys" / "api-keys.json"
    acme = create_api_key(keys_file, "acme")
    other = create_api_key(keys_file, "other")
    text = keys_file.read_text()
    assert acme not in text and other not in text
    assert hash_key(acme) in text
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    store = KeyStore.from_file(keys_file)
    assert len(store) == 2
    principal = store.authenticate(acme)
    assert principal is not None and principal.source == "acme"
    other_principal = store.authenticate(other)
    assert other_principal is not None and other_principal.source == "other"
    assert store.authenticate("nfk_wrong") is None
    assert store.authenticate(None) is None
    assert store.authenticate("") is None


def test_invalid_source_is_refused_and_file_left_untouched(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    create_api_key(keys_file, "acme")
    before = keys_file.read_text()
    with pytest.raises(ValueError):
        create_api_key(keys_file, "Not A Source")
    assert keys_file.read_text() == before


def test_missing_keys_file_means_nobody_may_write(tmp_path: Path) -> None:
    assert KeyStore.from_file(tmp_path / "absent.json").authenticate("anything") is None


def test_keys_file_with_hmac_secret(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    key = create_api_key(keys_file, "hooks", hmac_secret="s3cret")
    assert json.loads(keys_file.read_text())["keys"][0]["hmac_secret"] == "s3cret"
    principal = KeyStore.from_file(keys_file).authenticate(key)
    assert principal is not None and principal.hmac_secret is not None
    assert "s3cret" not in repr(principal)


def test_key_is_taken_from_bearer_or_x_api_key() -> None:
    assert presented_key("Bearer abc", None) == "abc"
    assert presented_key("bearer  abc ", None) == "abc"
    assert presented_key("Basic abc", "xyz") == "xyz"
    assert presented_key(None, "xyz") == "xyz"
    assert presented_key("Bearer ", None) is None
    assert presented_key(None, None) is None


def test_valid_signature_is_accepted_once() -> None:
    body = b'{"title": "x"}'
    replays = ReplayCache(300)
    signature = sign("secret", body, 1_000_000)
    verify_signature("secret", body, "1000000", signature, tolerance_s=300, replays=replays, now=1_000_010)
    with pytest.raises(SignatureError, match="replayed"):
        verify_signature(
            "secret", body, "1000000", signature, tolerance_s=300, replays=replays, now=1_000_020
        )


@pytest.mark.parametrize(
    ("timestamp", "signature", "reason"),
    [
        (None, "sha256=00", "missing"),
        ("1000000", None, "missing"),
        ("yesterday", "sha256=00", "Unix seconds"),
        ("999000", None, "missing"),
    ],
)
def test_missing_or_malformed_headers_are_refused(
    timestamp: str | None, signature: str | None, reason: str
) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify_signature("secret", b"x", timestamp, signature, tolerance_s=300, now=1_000_000)


def test_stale_wrong_or_tampered_signatures_are_refused() -> None:
    body = b"payload"
    good = sign("secret", body, 1_000_000)
    with pytest.raises(SignatureError, match="stale"):
        verify_signature("secret", body, "1000000", good, tolerance_s=300, now=1_000_301)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature("other", body, "1000000", good, tolerance_s=300, now=1_000_000)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature("secret", body + b"!", "1000000", good, tolerance_s=300, now=1_000_000)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature("secret", body, "1000001", good, tolerance_s=300, now=1_000_000)


def test_replay_cache_forgets_after_the_window_and_stays_bounded() -> None:
    cache = ReplayCache(10, max_entries=3)
    assert cache.check_and_add("a", 0)
    assert not cache.check_and_add("a", 5)
    assert cache.check_and_add("a", 100)  # expired, allowed again (its timestamp would be stale anyway)
    for name in "bcde":
        assert cache.check_and_add(name, 100)
    assert len(cache._seen) <= 3
