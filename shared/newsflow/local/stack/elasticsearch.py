"""One Elasticsearch node (integ-test-zip distribution) on 127.0.0.1, single-node, security off.

Elasticsearch refuses to run as root: when this runs as root, the node runs as an unprivileged
system user (``$NEWSFLOW_ES_USER``, default ``newsflow-es``, created on first use) through
``runuser -u USER -- env ... bin/elasticsearch -d -p PIDFILE``. The distribution itself stays
read-only in the cache; everything the node writes lives under ``<run_dir>/elasticsearch``
(``config/`` via ES_PATH_CONF, ``data/``, ``logs/``, ``tmp/`` via ES_TMPDIR), owned by that user.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsflow.local import processes
from newsflow.local.stack import jvm_tuning
from newsflow.local.stack.artifacts import ElasticsearchDistribution
from newsflow.local.stack.jdk import JavaInstall

logger = logging.getLogger(__name__)

COMPONENT = "elasticsearch"
DEFAULT_USER = "newsflow-es"
_SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Never let an http(s)_proxy variable route loopback probes elsewhere.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ElasticsearchStartError(RuntimeError):
    """The node did not start or did not turn yellow in time."""


@dataclass(frozen=True)
class EsLayout:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def pidfile(self) -> Path:
        return self.root / "elasticsearch.pid"

    @property
    def launcher_out(self) -> Path:
        return self.root / "launcher.out"


@dataclass(frozen=True)
class RunAs:
    """Who runs the node: ``name`` is None when it runs as the current (non-root) user."""

    name: str | None
    uid: int
    gid: int


def run_as() -> RunAs:
    """The current user when not root; else the ES system user, created if missing."""
    if os.geteuid() != 0:
        return RunAs(None, os.geteuid(), os.getegid())
    name = os.environ.get("NEWSFLOW_ES_USER", DEFAULT_USER)
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        nologin = next(
            (p for p in ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false") if os.path.exists(p)),
            "/bin/false",
        )
        logger.info("creating system user %s for Elasticsearch", name)
        proc = subprocess.run(
            [useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", nologin, name],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode not in (0, 9):  # 9: already exists (a concurrent start created it)
            raise ElasticsearchStartError(f"useradd {name} failed: {proc.stderr.strip()}") from None
        entry = pwd.getpwnam(name)
    if entry.pw_uid == 0:
        raise ElasticsearchStartError(
            f"NEWSFLOW_ES_USER={name} is root; Elasticsearch refuses to run as root"
        )
    return RunAs(name, entry.pw_uid, entry.pw_gid)


@dataclass(frozen=True)
class Peers:
    """This node's place in a multi-node cluster: its name, and every node's name and transport port."""

    node_name: str
    names: tuple[str, ...]
    transport_ports: tuple[int, ...]


def elasticsearch_yml(
    layout: EsLayout,
    port: int,
    transport_port: int,
    cluster_name: str,
    peers: Peers | None = None,
    tuning: Mapping[str, Any] | None = None,
) -> str:
    """The single node (``peers`` None: ``discovery.type: single-node``) or one node of a cluster whose
    nodes are all master-eligible data nodes, discovering each other on their transport ports.
    ``tuning``: settings that replace or add to these (a cluster node's ``node.processors``)."""
    discovery: dict[str, Any] = (
        {
            "node.name": peers.node_name,
            "discovery.seed_hosts": [f"127.0.0.1:{p}" for p in peers.transport_ports],
            "cluster.initial_master_nodes": list(peers.names),
        }
        if peers
        else {"node.name": "newsflow-local", "discovery.type": "single-node"}
    )
    settings: dict[str, Any] = {
        "cluster.name": cluster_name,
        **discovery,
        "network.host": "127.0.0.1",
        "http.port": port,
        "transport.port": transport_port,
        "path.data": str(layout.data),
        "path.logs": str(layout.logs),
        "xpack.security.enabled": False,
        # Tests and dev machines often have fuller disks than a server: never go read-only.
        "cluster.routing.allocation.disk.threshold_enabled": False,
        "cluster.routing.allocation.disk.watermark.low": "97%",
        "cluster.routing.allocation.disk.watermark.high": "98%",
        "cluster.routing.allocation.disk.watermark.flood_stage": "99%",
        "action.destructive_requires_name": False,
        **(tuning or {}),
    }
    lines = ["# Written by newsflow.local.stack; rewritten on every start."]
    lines += [f"{k}: {json.dumps(v)}" for k, v in settings.items()]
    return "\n".join(lines) + "\n"


def _chown_tree(path: Path, owner: RunAs) -> None:
    if os.geteuid() != 0:
        return
    os.chown(path, owner.uid, owner.gid)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), owner.uid, owner.gid)


def prepare(
    dist: ElasticsearchDistribution,
    layout: EsLayout,
    owner: RunAs,
    *,
    port: int,
    transport_port: int,
    cluster_name: str,
    peers: Peers | None = None,
    tuning: Mapping[str, Any] | None = None,
) -> None:
    """Create config/data/logs/tmp (config copied from the distribution once), hand them to ``owner``."""
    layout.root.mkdir(parents=True, exist_ok=True)
    os.chmod(layout.root, 0o755)
    if not (layout.config / "jvm.options").exists():
        shutil.copytree(dist.home / "config", layout.config, dirs_exist_ok=True)
    for directory in (layout.data, layout.logs, layout.tmp, layout.config / "jvm.options.d"):
        directory.mkdir(parents=True, exist_ok=True)
    (layout.config / "elasticsearch.yml").write_text(
        elasticsearch_yml(layout, port, transport_port, cluster_name, peers, tuning), encoding="utf-8"
    )
    layout.pidfile.unlink(missing_ok=True)
    _chown_tree(layout.root, owner)


def check_access(dist: ElasticsearchDistribution, layout: EsLayout, owner: RunAs) -> None:
    """Fail early, with a clear message, when the ES user cannot reach its files."""
    if owner.name is None:
        return
    probe = (
        f'test -x "{dist.home}/bin/elasticsearch" && test -r "{dist.home}/lib" '
        f'&& test -w "{layout.config}" && test -w "{layout.data}"'
    )
    proc = subprocess.run(
        [_runuser(), "-u", owner.name, "--", "/bin/sh", "-c", probe],
        capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    if proc.returncode != 0:
        raise ElasticsearchStartError(
            f"user {owner.name} cannot use {dist.home} or {layout.root}: every parent directory must be "
            "traversable by others (not under /root or a mode-700 temp dir); set NEWSFLOW_CACHE_DIR / "
            "choose another run dir"
        )


def _runuser() -> str:
    found = shutil.which("runuser") or ("/usr/sbin/runuser" if os.path.exists("/usr/sbin/runuser") else None)
    if found is None:
        raise ElasticsearchStartError("runuser (util-linux) is needed to start Elasticsearch as non-root")
    return found


def _es_env(
    java: JavaInstall,
    layout: EsLayout,
    run_dir: Path,
    heap: str,
    component: str,
    jvm_options: Sequence[str] = (),
) -> dict[str, str]:
    options = [f"-Xms{heap}", f"-Xmx{heap}", *jvm_options, *processes.marker_args(run_dir, component)]
    return {
        "PATH": _SAFE_PATH,
        "HOME": str(layout.root),
        "LANG": "C.UTF-8",
        "ES_JAVA_HOME": str(java.home),
        "ES_JAVA_OPTS": " ".join(options),
        "ES_PATH_CONF": str(layout.config),
        "ES_TMPDIR": str(layout.tmp),
    }


def launch(
    dist: ElasticsearchDistribution,
    java: JavaInstall,
    layout: EsLayout,
    owner: RunAs,
    run_dir: Path,
    *,
    deadline: float,
    heap: str = "512m",
    component: str = COMPONENT,
    jvm_options: Sequence[str] = (),
) -> int:
    """Start the node daemonized (``-d``) and return the server JVM's pid (from ``-p PIDFILE``).
    ``jvm_options`` go to ``ES_JAVA_OPTS`` (after the distribution's ``jvm.options``).

    The launcher (``bin/elasticsearch -d``) returns once the node has started, or fails.
    ``component`` names it in its marker (``elasticsearch``, or ``es-N`` for a cluster's node N).
    """
    env = _es_env(java, layout, run_dir, heap, component, jvm_options)
    es_cmd = [str(dist.home / "bin" / "elasticsearch"), "-d", "-p", str(layout.pidfile)]
    if owner.name is not None:
        cmd = [
            _runuser(),
            "-u",
            owner.name,
            "--",
            "env",
            "-i",
            *(f"{k}={v}" for k, v in env.items()),
            *es_cmd,
        ]
        proc = processes.spawn(
            jvm_tuning.with_priority(cmd), log_file=layout.launcher_out, cwd=layout.root, env=env
        )
    else:
        proc = processes.spawn(
            jvm_tuning.with_priority(es_cmd), log_file=layout.launcher_out, cwd=layout.root, env=env
        )
    jvm_tuning.lower_group_priority(proc.pid)  # the node it starts stays in the launcher's session
    logger.info(
        "starting Elasticsearch %s (launcher pid %s, Java %s, user %s)",
        dist.version, proc.pid, java.version, owner.name or "current",
    )  # fmt: skip
    try:
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired as exc:
        processes.kill_group(proc.pid)  # the launcher and the node it spawned share this process group
        proc.wait(timeout=10)
        raise ElasticsearchStartError(
            f"Elasticsearch did not finish starting in time; log tail:\n{_log_tail(layout)}"
        ) from exc
    finally:
        processes.reap(proc.pid)
    if code != 0:
        raise ElasticsearchStartError(
            f"Elasticsearch launcher exited with {code}; output:\n{processes.tail(layout.launcher_out)}\n"
            f"log tail:\n{_log_tail(layout)}"
        )
    pid = read_pidfile(layout)
    if pid is None:
        raise ElasticsearchStartError(f"Elasticsearch started but wrote no pid file {layout.pidfile}")
    logger.info("Elasticsearch %s running (pid %s)", dist.version, pid)
    return pid


def read_pidfile(layout: EsLayout) -> int | None:
    try:
        return int(layout.pidfile.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _log_tail(layout: EsLayout, lines: int = 25) -> str:
    logs = sorted(layout.logs.glob("*.log"), key=lambda p: p.stat().st_mtime) if layout.logs.exists() else []
    main = [p for p in logs if not p.name.startswith(("gc", "hs_err")) and "deprecation" not in p.name]
    return processes.tail(main[-1], lines) if main else processes.tail(layout.launcher_out, lines)


def cluster_health(url: str, timeout: float = 5.0, wait_for_yellow: bool = False) -> dict[str, Any] | None:
    """``GET /_cluster/health`` (optionally waiting for yellow); None when the node does not answer."""
    query = f"?wait_for_status=yellow&timeout={max(1, int(timeout))}s" if wait_for_yellow else ""
    request = urllib.request.Request(f"{url}/_cluster/health{query}", headers={"Accept": "application/json"})
    try:
        with _OPENER.open(request, timeout=timeout + 2) as response:
            body: dict[str, Any] = json.loads(response.read().decode("utf-8"))
            return body
    except urllib.error.HTTPError as exc:  # 408 when wait_for_status timed out: still an answer
        try:
            data: dict[str, Any] = json.loads(exc.read().decode("utf-8"))
            return data
        except (ValueError, OSError):
            return None
    except (OSError, ValueError):
        return None


def es_answers(url: str, timeout: float = 5.0) -> bool:
    """The node answers cluster health with yellow or green."""
    health = cluster_health(url, timeout=timeout)
    return health is not None and health.get("status") in ("yellow", "green")


def wait_ready(url: str, pid: int, layout: EsLayout, deadline: float) -> None:
    while True:
        if not processes.pid_alive(pid):
            raise ElasticsearchStartError(f"Elasticsearch (pid {pid}) exited; log tail:\n{_log_tail(layout)}")
        health = cluster_health(url, timeout=5.0, wait_for_yellow=True)
        if health is not None and health.get("status") in ("yellow", "green"):
            return
        if time.monotonic() > deadline:
            raise ElasticsearchStartError(
                f"Elasticsearch on {url} not yellow in time (health: {health}); "
                f"log tail:\n{_log_tail(layout)}"
            )
        time.sleep(0.5)
