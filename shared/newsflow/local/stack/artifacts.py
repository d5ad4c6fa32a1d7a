"""Fetch Kafka and Elasticsearch from Maven Central with ``mvn``, cache and unpack them.

Layout of the cache directory (``$NEWSFLOW_CACHE_DIR``, else ``/var/cache/newsflow`` as root, else
``~/.cache/newsflow``)::

    m2/                                  Maven local repository used only by newsflow
    kafka/<version>/libs/*.jar           kafka_2.13 + runtime deps + log4j2 backend
    elasticsearch/elasticsearch-<ver>/   unpacked integ-test-zip distribution (read-only use)
    elasticsearch/elasticsearch-<ver>+analysis-<hash>/, es-plugins/   the copy with newsflow's analysis
                                         plugin and the plugin zip (newsflow.local.stack.analysis_plugin)

Every install is built in a temporary sibling directory and renamed into place, under an exclusive
lock on ``<cache>/.lock``, so concurrent starts never see half an install. A warm start does not
run ``mvn`` at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import stat
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"
ES_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch"
ES_VERSION_CHAIN: tuple[str, ...] = ("9.3.0", "9.2.0", "9.1.0", "8.19.0")

# Kafka version -> the log4j2 version Kafka itself builds with (kafka_2.13's pom names no backend).
KAFKA_LOG4J2: dict[str, str] = {
    "4.1.1": "2.24.3",
    "4.1.0": "2.24.3",
    "4.0.0": "2.24.3",
}
KAFKA_VERSION_CHAIN: tuple[str, ...] = ("4.1.1", "4.1.0", "4.0.0")
SLF4J_VERSION = "1.7.36"  # what Kafka 4.x uses; log4j-slf4j-impl is the matching SLF4J 1.x binding


class ArtifactError(RuntimeError):
    """An artifact could not be fetched or unpacked."""


@dataclass(frozen=True)
class KafkaDistribution:
    version: str
    log4j2_version: str
    libs_dir: Path

    @property
    def classpath(self) -> str:
        return str(self.libs_dir / "*")


@dataclass(frozen=True)
class ElasticsearchDistribution:
    version: str
    home: Path

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def min_java(self) -> int:
        return 21 if self.major >= 9 else 17


def default_cache_dir() -> Path:
    """``$NEWSFLOW_CACHE_DIR``, else ``/var/cache/newsflow`` for root, else ``~/.cache/newsflow``."""
    env = os.environ.get("NEWSFLOW_CACHE_DIR")
    if env:
        return Path(env).expanduser().absolute()
    if os.geteuid() == 0:
        return Path("/var/cache/newsflow")
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "newsflow"


def _ensure_dir(path: Path, mode: int = 0o755) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):
        os.chmod(path, mode)  # umask-proof: the Elasticsearch user must be able to traverse it
    return path


@contextlib.contextmanager
def cache_lock(cache_dir: Path) -> Iterator[None]:
    """Exclusive inter-process lock over installs into ``cache_dir``."""
    _ensure_dir(cache_dir)
    with open(cache_dir / ".lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _mvn() -> str:
    mvn = os.environ.get("NEWSFLOW_MVN") or shutil.which("mvn")
    if not mvn:
        raise ArtifactError("`mvn` (Apache Maven) is not on PATH; install it (apt-get install maven)")
    return mvn


def run_maven(
    args: Sequence[str],
    *,
    cache_dir: Path,
    cwd: Path,
    timeout: float = 900,
    env: Mapping[str, str] | None = None,
) -> None:
    """Run ``mvn -B -ntp`` with newsflow's own local repository; raise with the output tail on failure.

    ``env`` adds to (or overrides) the environment, e.g. ``JAVA_HOME`` for a build that needs a JDK 21+.
    """
    repo = _ensure_dir(cache_dir / "m2")
    cmd = [_mvn(), "-B", "-ntp", f"-Dmaven.repo.local={repo}", *args]
    logger.debug("running %s", " ".join(cmd))
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **env} if env else None,
        )
    except subprocess.TimeoutExpired as exc:
        raise ArtifactError(f"mvn timed out after {timeout:.0f}s: {' '.join(cmd)}") from exc
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
        errors = [ln for ln in lines if "ERROR" in ln][:5] or lines[-15:]
        raise ArtifactError("mvn failed: " + " | ".join(errors))


# ----------------------------------------------------------------------------------------------- Kafka


def _kafka_pom(version: str, log4j2: str) -> str:
    deps = [
        ("org.apache.kafka", "kafka_2.13", version),
        ("org.slf4j", "slf4j-api", SLF4J_VERSION),
        ("org.apache.logging.log4j", "log4j-slf4j-impl", log4j2),
        ("org.apache.logging.log4j", "log4j-api", log4j2),
        ("org.apache.logging.log4j", "log4j-core", log4j2),
    ]
    dep_xml = "".join(
        f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></dependency>"
        for g, a, v in deps
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<project xmlns="http://maven.apache.org/POM/4.0.0">'
        "<modelVersion>4.0.0</modelVersion>"
        "<groupId>newsflow.local</groupId><artifactId>kafka-runtime</artifactId>"
        "<version>1</version><packaging>pom</packaging>"
        f"<dependencies>{dep_xml}</dependencies></project>"
    )


def _kafka_install_complete(libs: Path) -> bool:
    return (libs.parent / ".complete").exists() and any(libs.glob("kafka_2.13-*.jar"))


def _check_kafka_libs(libs: Path) -> None:
    names = sorted(p.name for p in libs.glob("*.jar"))
    slf4j_apis = [n for n in names if n.startswith("slf4j-api-")]
    bindings = [n for n in names if n.startswith(("slf4j-reload4j", "slf4j-log4j12", "logback-classic"))]
    if len(slf4j_apis) != 1:
        raise ArtifactError(f"expected exactly one slf4j-api jar, got {slf4j_apis}")
    if not any(n.startswith("log4j-slf4j-impl-") for n in names):
        raise ArtifactError("log4j-slf4j-impl (the SLF4J binding) is missing from the Kafka classpath")
    if bindings:
        logger.warning("extra SLF4J bindings on the Kafka classpath: %s", bindings)


def ensure_kafka(cache_dir: Path | None = None, version: str | None = None) -> KafkaDistribution:
    """The Kafka broker jars for ``version`` (default: ``$NEWSFLOW_KAFKA_VERSION`` or the chain)."""
    cache = cache_dir or default_cache_dir()
    wanted = version or os.environ.get("NEWSFLOW_KAFKA_VERSION")
    chain: tuple[str, ...] = (wanted,) if wanted else KAFKA_VERSION_CHAIN
    root = _ensure_dir(cache / "kafka")
    for candidate in chain:  # a cached version in chain order wins without touching the network
        libs = root / candidate / "libs"
        if _kafka_install_complete(libs):
            return KafkaDistribution(candidate, KAFKA_LOG4J2.get(candidate, "2.24.3"), libs)
    failures: list[str] = []
    with cache_lock(cache):
        for candidate in chain:
            log4j2 = os.environ.get("NEWSFLOW_KAFKA_LOG4J2_VERSION") or KAFKA_LOG4J2.get(candidate, "2.24.3")
            final = root / candidate
            libs = final / "libs"
            if _kafka_install_complete(libs):
                return KafkaDistribution(candidate, log4j2, libs)
            tmp = Path(tempfile.mkdtemp(prefix=f".kafka-{candidate}-", dir=root))
            try:
                (tmp / "pom.xml").write_text(_kafka_pom(candidate, log4j2), encoding="utf-8")
                logger.info("fetching Kafka %s (log4j2 %s) with mvn", candidate, log4j2)
                run_maven(
                    [
                        f"{DEPENDENCY_PLUGIN}:copy-dependencies",
                        "-DincludeScope=runtime",
                        f"-DoutputDirectory={tmp / 'libs'}",
                    ],
                    cache_dir=cache,
                    cwd=tmp,
                )
                _check_kafka_libs(tmp / "libs")
                (tmp / ".complete").write_text(f"{candidate}\n{log4j2}\n", encoding="utf-8")
                if final.exists():
                    shutil.rmtree(final)
                _ensure_dir(tmp)
                tmp.rename(final)
                logger.info("Kafka %s cached in %s", candidate, final)
                return KafkaDistribution(candidate, log4j2, libs)
            except ArtifactError as exc:
                failures.append(f"{candidate}: {exc}")
                logger.warning("Kafka %s could not be fetched: %s", candidate, exc)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
    raise ArtifactError("no Kafka version could be fetched: " + "; ".join(failures))


# --------------------------------------------------------------------------------------- Elasticsearch


def _extract_zip(archive: Path, dest: Path) -> None:
    """Unpack keeping the Unix permission bits (zipfile drops them), umask-proof."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = (dest / info.filename).resolve()
            if not str(target).startswith(str(dest.resolve())):
                raise ArtifactError(f"unsafe path in {archive.name}: {info.filename}")
            mode = (info.external_attr >> 16) & 0o777
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                os.chmod(target, 0o755)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, length=1 << 20)
            executable = bool(mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
            os.chmod(target, 0o755 if executable else 0o644)
    for dirpath, _dirnames, _files in os.walk(dest):
        os.chmod(dirpath, 0o755)


def _es_home(root: Path, version: str) -> Path:
    return root / f"elasticsearch-{version}"


def _es_install_complete(home: Path) -> bool:
    return (home / ".newsflow-complete").exists() and (home / "bin" / "elasticsearch").exists()


def cached_elasticsearch_versions(cache_dir: Path | None = None) -> list[str]:
    root = (cache_dir or default_cache_dir()) / "elasticsearch"
    return [v for v in ES_VERSION_CHAIN if _es_install_complete(_es_home(root, v))]


def ensure_elasticsearch(
    cache_dir: Path | None = None,
    versions: Sequence[str] | None = None,
) -> ElasticsearchDistribution:
    """An unpacked Elasticsearch integ-test distribution.

    ``versions`` is a preference chain (default: ``$NEWSFLOW_ES_VERSION`` alone, or
    9.3.0 → 9.2.0 → 9.1.0 → 8.19.0). A version already cached wins in chain order; otherwise the chain
    is tried with ``mvn`` until one resolves.
    """
    cache = cache_dir or default_cache_dir()
    env = os.environ.get("NEWSFLOW_ES_VERSION")
    chain: tuple[str, ...] = tuple(versions) if versions else ((env,) if env else ES_VERSION_CHAIN)
    root = _ensure_dir(cache / "elasticsearch")
    for candidate in chain:
        home = _es_home(root, candidate)
        if _es_install_complete(home):
            return ElasticsearchDistribution(candidate, home)
    failures: list[str] = []
    with cache_lock(cache):
        for candidate in chain:
            home = _es_home(root, candidate)
            if _es_install_complete(home):
                return ElasticsearchDistribution(candidate, home)
            tmp = Path(tempfile.mkdtemp(prefix=f".es-{candidate}-", dir=root))
            try:
                logger.info("fetching Elasticsearch %s (integ-test-zip) with mvn", candidate)
                run_maven(
                    [
                        f"{DEPENDENCY_PLUGIN}:copy",
                        f"-Dartifact={ES_ARTIFACT}:{candidate}:zip",
                        f"-DoutputDirectory={tmp}",
                    ],
                    cache_dir=cache,
                    cwd=tmp,
                )
                archive = tmp / f"elasticsearch-{candidate}.zip"
                if not archive.exists():
                    raise ArtifactError(f"mvn reported success but {archive.name} is missing")
                unpack = tmp / "unpack"
                unpack.mkdir()
                _extract_zip(archive, unpack)
                extracted = unpack / f"elasticsearch-{candidate}"
                if not (extracted / "bin" / "elasticsearch").exists():
                    raise ArtifactError(f"unexpected layout in {archive.name}")
                (extracted / ".newsflow-complete").write_text(candidate + "\n", encoding="utf-8")
                if home.exists():
                    shutil.rmtree(home)
                extracted.rename(home)
                logger.info("Elasticsearch %s cached in %s", candidate, home)
                return ElasticsearchDistribution(candidate, home)
            except ArtifactError as exc:
                failures.append(f"{candidate}: {exc}")
                logger.warning("Elasticsearch %s could not be fetched: %s", candidate, exc)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    raise ArtifactError("no Elasticsearch version could be fetched: " + "; ".join(failures))
