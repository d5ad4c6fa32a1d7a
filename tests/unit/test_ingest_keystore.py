"""The reloading key store: keys change with the keys file, without a restart."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from newsflow.ingest.auth import ReloadingKeyStore
from newsflow.ingest.keys import create_api_key


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def source_of(store: ReloadingKeyStore, key: str) -> str | None:
    principal = store.authenticate(key)
    return None if principal is None else principal.source


def test_a_key_added_to_the_file_is_accepted_after_the_next_check(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    acme = create_api_key(keys_file, "acme")
    clock = Clock()
    store = ReloadingKeyStore(keys_file, check_every_s=2.0, clock=clock)
    assert source_of(store, acme) == "acme"

    other = create_api_key(keys_file, "other")
    clock.now += 1.0  # within the check interval: the file is not looked at
    assert source_of(store, other) is None
    clock.now += 1.5
    assert source_of(store, other) == "other"
    assert source_of(store, acme) == "acme"
    assert len(store) == 2


def test_a_key_removed_from_the_file_is_refused_after_the_next_check(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    acme = create_api_key(keys_file, "acme")
    clock = Clock()
    store = ReloadingKeyStore(keys_file, clock=clock)
    assert source_of(store, acme) == "acme"

    keys_file.write_text('{"keys": []}')
    clock.now += 2.0
    assert source_of(store, acme) is None


def test_a_deleted_keys_file_means_no_key_is_valid(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    acme = create_api_key(keys_file, "acme")
    clock = Clock()
    store = ReloadingKeyStore(keys_file, clock=clock)
    keys_file.unlink()
    clock.now += 2.0
    assert source_of(store, acme) is None
    assert len(store) == 0


def test_an_unreadable_file_keeps_the_previous_keys_until_it_is_fixed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keys_file = tmp_path / "keys.json"
    acme = create_api_key(keys_file, "acme")
    good = keys_file.read_text()
    clock = Clock()
    store = ReloadingKeyStore(keys_file, clock=clock)

    keys_file.write_text('{"keys": [ half written')
    clock.now += 2.0
    with caplog.at_level(logging.ERROR, logger="newsflow.ingest.auth"):
        assert source_of(store, acme) == "acme"
    assert any("api keys file unreadable" in r.getMessage() for r in caplog.records)

    keys_file.write_text(good.replace('"acme"', '"acme2"'))
    clock.now += 2.0
    assert source_of(store, acme) == "acme2"


def test_a_file_that_appears_later_is_loaded(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    clock = Clock()
    store = ReloadingKeyStore(keys_file, clock=clock)
    assert len(store) == 0
    acme = create_api_key(keys_file, "acme")
    clock.now += 2.0
    assert source_of(store, acme) == "acme"
