from __future__ import annotations

import pytest

from newsflow.enrich.nicknames import same_given_name


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Larry", "Lawrence", True),
        ("lawrence", "LARRY", True),  # any case
        ("Bill", "William", True),
        ("Bobby", "Robert", True),
        ("Bill", "Robert", False),
        ("Larry", "Larry", False),  # the same name is no short form (the merge handles it)
        ("Chris", "Christina", False),  # not listed: no guess
    ],
)
def test_same_given_name(a: str, b: str, expected: bool) -> None:
    assert same_given_name(a, b) is expected
