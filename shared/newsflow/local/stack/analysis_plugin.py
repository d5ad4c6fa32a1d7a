"""newsflow's analysis plugin for the minimal Elasticsearch node, built with Maven and installed in a copy.

The integ-test distribution has no analysis-common module, so no stemmer, ``asciifolding`` or
``elision`` filter. The plugin in ``es-analysis-plugin/`` provides exactly those Lucene filters
through Elasticsearch's stable plugin API (``TokenFilterFactory`` + ``@NamedComponent``), compiled
against ``elasticsearch-plugin-analysis-api`` at the node's version and the node's own Lucene
(``lucene-analysis-common`` ships in the node's ``lib/``, so the plugin bundles nothing).

Cache layout, next to the distributions (see :mod:`newsflow.local.stack.artifacts`)::

    es-plugins/newsflow-analysis-<es version>-<hash>.zip          the built plugin
    elasticsearch/elasticsearch-<es version>+analysis-<hash>/      the distribution with it installed

``<hash>`` covers the plugin's sources and the versions, so a changed plugin gets a new zip and a
new distribution copy: the plain distribution, which other nodes may be running from, is never
modified. The copy hard-links the distribution's files (falling back to copying) and the plugin is
installed into it with ``bin/elasticsearch-plugin install``. Both are built in temporary siblings and
renamed into place under the cache lock, so concurrent starts never see half a build.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from newsflow.local.stack.artifacts import (
    ArtifactError,
    ElasticsearchDistribution,
    _ensure_dir,
    cache_lock,
    default_cache_dir,
    run_maven,
)
from newsflow.local.stack.jdk import JavaInstall

logger = logging.getLogger(__name__)

PLUGIN_NAME = "newsflow-analysis"
SOURCES = Path(__file__).with_name("es-analysis-plugin")
_COMPONENT = re.compile(r'@NamedComponent\("([a-z_]+)"\)\s+public static final class (\w+)')
_FACTORY = "org.elasticsearch.plugin.analysis.TokenFilterFactory"
_OUTER_CLASS = "newsflow.analysis.Filters"


def _source_files() -> list[Path]:
    files = [SOURCES / "pom.xml", *sorted((SOURCES / "src").rglob("*.java"))]
    if not all(f.is_file() for f in files) or len(files) < 2:
        raise ArtifactError(f"the analysis plugin sources are missing under {SOURCES}")
    return files


def lucene_version(dist: ElasticsearchDistribution) -> str:
    """The Lucene version the node runs (from its ``lib/lucene-core-<v>.jar``)."""
    for jar in (dist.home / "lib").glob("lucene-core-*.jar"):
        return jar.name.removeprefix("lucene-core-").removesuffix(".jar")
    raise ArtifactError(f"no lucene-core jar in {dist.home / 'lib'}")


def plugin_hash(dist: ElasticsearchDistribution) -> str:
    """A short digest of the plugin sources and the versions it is built against."""
    digest = hashlib.sha256(f"{dist.version}\n{lucene_version(dist)}\n".encode())
    for path in _source_files():
        digest.update(path.relative_to(SOURCES).as_posix().encode() + b"\n" + path.read_bytes())
    return digest.hexdigest()[:12]


def named_components() -> dict[str, dict[str, str]]:
    """``named_components.json``: each ``@NamedComponent`` filter name → its class (read from the source)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in _source_files() if p.suffix == ".java")
    found = {name: f"{_OUTER_CLASS}${cls}" for name, cls in _COMPONENT.findall(text)}
    if not found:
        raise ArtifactError("no @NamedComponent token filter found in the plugin sources")
    return {_FACTORY: found}


def filter_names() -> list[str]:
    """The token filter names the plugin registers on the node."""
    return sorted(named_components()[_FACTORY])


def _descriptor(dist: ElasticsearchDistribution, digest: str) -> str:
    return (
        "description=newsflow analysis filters (stemmers, folding, elision) for nodes without "
        "analysis-common\n"
        f"version={digest}\n"
        f"name={PLUGIN_NAME}\n"
        "java.version=21\n"
        f"elasticsearch.version={dist.version}\n"
    )


def _build_zip(
    dist: ElasticsearchDistribution, java: JavaInstall, cache: Path, digest: str, out: Path
) -> None:
    work = Path(tempfile.mkdtemp(prefix=".plugin-build-", dir=out.parent))
    try:
        shutil.copy2(SOURCES / "pom.xml", work / "pom.xml")
        shutil.copytree(SOURCES / "src", work / "src")
        logger.info("building the %s plugin for Elasticsearch %s with mvn", PLUGIN_NAME, dist.version)
        run_maven(
            [f"-Des.version={dist.version}", f"-Dlucene.version={lucene_version(dist)}",
             "-Dmaven.test.skip=true", "package"],
            cache_dir=cache, cwd=work, env={"JAVA_HOME": str(java.home)},
        )  # fmt: skip
        jar = work / "target" / "newsflow-analysis-1.jar"
        if not jar.exists():
            raise ArtifactError(f"mvn reported success but {jar.name} is missing")
        partial = out.with_name(out.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(jar, "newsflow-analysis.jar")
            zf.writestr("stable-plugin-descriptor.properties", _descriptor(dist, digest))
            zf.writestr("named_components.json", json.dumps(named_components(), indent=2))
        partial.rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _install(dist: ElasticsearchDistribution, java: JavaInstall, plugin_zip: Path, home: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f".es-{dist.version}-analysis-", dir=home.parent))
    try:
        copy = tmp / "home"
        shutil.copytree(dist.home, copy, copy_function=_link_or_copy, symlinks=True)
        (copy / ".newsflow-complete").unlink(missing_ok=True)  # a new file below, never the shared inode
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ES_JAVA_HOME": str(java.home),
               "ES_PATH_CONF": str(copy / "config"), "LANG": "C.UTF-8"}  # fmt: skip
        proc = subprocess.run(
            [str(copy / "bin" / "elasticsearch-plugin"), "install", "--batch", plugin_zip.as_uri()],
            capture_output=True, text=True, env=env, check=False, timeout=300, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        if proc.returncode != 0:
            raise ArtifactError(f"elasticsearch-plugin install failed: {(proc.stdout + proc.stderr)[-800:]}")
        (copy / ".newsflow-complete").write_text(f"{dist.version}\n{plugin_zip.name}\n", encoding="utf-8")
        if home.exists():
            shutil.rmtree(home)
        copy.rename(home)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def ensure_analysis_distribution(
    dist: ElasticsearchDistribution, java: JavaInstall, cache_dir: Path | None = None
) -> ElasticsearchDistribution:
    """A copy of ``dist`` with the newsflow analysis plugin installed (built and cached on first use)."""
    cache = cache_dir or default_cache_dir()
    digest = plugin_hash(dist)
    home = dist.home.with_name(f"{dist.home.name}+analysis-{digest}")
    if (home / ".newsflow-complete").exists():
        return ElasticsearchDistribution(dist.version, home)
    with cache_lock(cache):
        if (home / ".newsflow-complete").exists():
            return ElasticsearchDistribution(dist.version, home)
        plugin_zip = _ensure_dir(cache / "es-plugins") / f"{PLUGIN_NAME}-{dist.version}-{digest}.zip"
        if not plugin_zip.exists():
            _build_zip(dist, java, cache, digest, plugin_zip)
        _install(dist, java, plugin_zip, home)
        logger.info("Elasticsearch %s with the %s plugin cached in %s", dist.version, PLUGIN_NAME, home)
    return ElasticsearchDistribution(dist.version, home)
