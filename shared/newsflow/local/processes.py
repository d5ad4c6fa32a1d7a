"""The one process layer of a local run: spawn, prove a pid is still ours, stop it (Linux /proc based).

Everything a local run starts goes through here: the services of ``newsflow run`` and of the test and
benchmark pipelines (recorded as :class:`ProcessRecord` under ``run_dir/pids``, tagged by an
environment marker) and the Kafka/Elasticsearch JVMs of :mod:`newsflow.local.stack` (tagged by
``-D`` system properties on their command line). A pid is only ever signalled after
:func:`pid_is_ours` found its markers, so a recycled pid of some other program is left alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import json
import logging
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

MARKER_ENV = "NEWSFLOW_PROC_MARKER"
MARKER_DIR_PROP = "newsflow.stack.dir"
MARKER_COMPONENT_PROP = "newsflow.stack.component"

# Popen objects of processes this interpreter started, kept so they can be reaped (no zombies, no
# "subprocess still running" ResourceWarning).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


# ------------------------------------------------------------------------------------------ ports


#: Where the kernel picks source ports for outgoing connections (Linux default), read from /proc.
EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
#: The lowest port handed out for a listener: above the well-known and most registered ranges.
LISTEN_PORTS_FROM = 10000


def ephemeral_range(path: Path = EPHEMERAL_RANGE_FILE) -> tuple[int, int]:
    """The kernel's ephemeral port range (inclusive); Linux's default when it cannot be read."""
    try:
        low, high = (int(part) for part in path.read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


def listen_port_pool(ephemeral: tuple[int, int] | None = None) -> range:
    """Ports a local listener may take: outside the ephemeral range, so that no outgoing connection
    (a broker or node talking to its peers, a client) can be given the same port between the moment it
    is chosen and the moment the listener binds it — the race a bind-to-port-0 choice has (seen: an
    Elasticsearch node of a local cluster failing with "Address already in use")."""
    low, high = ephemeral or ephemeral_range()
    if low - LISTEN_PORTS_FROM >= 1000:
        return range(LISTEN_PORTS_FROM, low)
    if 65535 - high >= 1000:
        return range(high + 1, 65536)
    return range(LISTEN_PORTS_FROM, 65536)  # no room outside it: take the race


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing holds right now, outside the ephemeral range (see :func:`listen_port_pool`)."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1", attempts: int = 2000) -> list[int]:
    """``count`` distinct ports nothing holds right now, picked at random outside the ephemeral range
    and checked by binding them (all held open together so they differ)."""
    pool = listen_port_pool()
    pick = random.SystemRandom()
    socks: list[socket.socket] = []
    ports: list[int] = []
    try:
        for _ in range(attempts):
            if len(ports) == count:
                return ports
            port = pick.choice(pool)
            if port in ports:
                continue
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind((host, port))
            except OSError:
                sock.close()
                continue
            socks.append(sock)
            ports.append(port)
        if len(ports) == count:
            return ports
        raise OSError(
            f"no {count} free ports on {host} in {pool.start}-{pool.stop - 1} after {attempts} tries"
        )
    finally:
        for sock in socks:
            sock.close()


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nothing holds ``port`` on ``host`` (a bind would succeed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """Something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------------------- spawning


def spawn(
    cmd: Sequence[str],
    *,
    log_file: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``cmd`` detached (own session, stdin closed, output appended to ``log_file``)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc


def kill_group(pgid: int) -> None:
    """SIGKILL a process group that this interpreter created (start_new_session)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError as exc:
        if exc.errno != errno.ESRCH:
            log.warning("could not kill process group %s: %s", pgid, exc)


def tail(path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a text file ('' when missing)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def run_coroutine_sync(coro: Coroutine[Any, Any, T], timeout: float) -> T:
    """Run ``coro`` to completion from sync code, even when called inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=timeout)


# --------------------------------------------------------------------------------------- ownership


def marker_args(run_dir: Path, component: str) -> list[str]:
    """JVM system properties that tag a process as ``component`` of the stack in ``run_dir``."""
    return [f"-D{MARKER_DIR_PROP}={run_dir}", f"-D{MARKER_COMPONENT_PROP}={component}"]


def reap(pid: int) -> None:
    """Collect the exit status of ``pid`` if it is our child (so it does not linger as a zombie)."""
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is not None:
            _CHILDREN.pop(pid, None)
        return
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def pid_alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    reap(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    # The state letter follows the parenthesised command name, which may itself contain ')'.
    state = stat.rsplit(")", 1)[-1].split()[0] if ")" in stat else "?"
    return state not in ("Z", "X")


def pid_is_ours(pid: int, markers: Sequence[str]) -> bool:
    """``pid`` is alive and carries every one of ``markers``: the one check before any signal.

    A marker matches a whole environment entry (services: ``NEWSFLOW_PROC_MARKER=<run dir>/<name>``),
    a whole command-line argument (JVMs: ``-Dnewsflow.stack.dir=<run dir>``), or a whitespace-separated
    word of one (``ES_JAVA_OPTS`` may reach the JVM as one joined argument). Whole words, so that
    ``…/ingest-1`` never claims ``…/ingest-10``.
    """
    if pid <= 1 or not markers or not pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:  # gone meanwhile
        return False
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:  # not readable: only the command line can prove it
        environ = []
    words = {*environ, *cmdline, *(word for arg in cmdline for word in arg.split())}
    return all(marker.encode() in words for marker in markers)


# ---------------------------------------------------------------------------------------- stopping


def _wait_threads_gone(pid: int, timeout: float = 10.0) -> None:
    """After the main thread died: wait until the other threads exited too (they hold the sockets)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reap(pid)
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return
        if len(threads) <= 1 and not pid_alive(pid):
            return
        time.sleep(0.1)


def stop_pid(
    pid: int, markers: Sequence[str], label: str, *, grace: float = 30.0, force: bool = False
) -> bool:
    """SIGTERM (SIGKILL when ``force``) ``pid`` while it carries ``markers``, wait up to ``grace``,
    then SIGKILL; every signal is sent only after :func:`pid_is_ours`.

    Returns True when a process was signalled. A pid that is gone or now belongs to some other
    program is left alone. Used for the stack's JVMs and for the services of a local run.
    """
    if not pid_is_ours(pid, markers):
        if pid > 1 and pid_alive(pid):
            log.warning("pid %s is not our %s any more; not signalling it", pid, label)
        return False
    sig = signal.SIGKILL if force else signal.SIGTERM
    log.info("sending %s to %s (pid %s)", sig.name, label, pid)
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + (10.0 if force else grace)
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            _wait_threads_gone(pid)
            return True
        time.sleep(0.1)
    if pid_is_ours(pid, markers):
        log.warning("%s (pid %s) ignored SIGTERM for %.0fs: SIGKILL", label, pid, grace)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.1)
        _wait_threads_gone(pid)
    return True


# ------------------------------------------------------------------------- recorded processes


@dataclass(frozen=True)
class ProcessRecord:
    """What we know of a process we started: enough to find it again and to prove it is ours."""

    name: str
    pid: int
    argv: list[str]
    log_file: str
    marker: str  # ``NEWSFLOW_PROC_MARKER=<run dir>/<name>``, an entry of /proc/<pid>/environ


def _record_path(run_dir: Path, name: str) -> Path:
    return run_dir / "pids" / f"{name}.json"


def is_ours(record: ProcessRecord) -> bool:
    """True when the pid is alive and still the process we started (not a recycled pid)."""
    return pid_is_ours(record.pid, (record.marker,))


def start(
    run_dir: Path, name: str, argv: list[str], env: dict[str, str], cwd: Path | None = None
) -> ProcessRecord:
    """Start ``argv`` detached, logging to ``run_dir/logs/<name>.log``; record and return its pid."""
    (run_dir / "pids").mkdir(parents=True, exist_ok=True)
    log_file = run_dir / "logs" / f"{name}.log"
    tag = f"{run_dir.resolve()}/{name}"
    proc = spawn(argv, log_file=log_file, cwd=cwd, env={**os.environ, **env, MARKER_ENV: tag})
    record = ProcessRecord(name, proc.pid, argv, str(log_file), f"{MARKER_ENV}={tag}")
    _record_path(run_dir, name).write_text(json.dumps(asdict(record)), encoding="utf-8")
    log.info("process started name=%s pid=%d log=%s", name, proc.pid, log_file)
    return record


def load(run_dir: Path, name: str) -> ProcessRecord | None:
    """The recorded process ``name`` of this run dir, if any."""
    path = _record_path(run_dir, name)
    if not path.exists():
        return None
    return ProcessRecord(**json.loads(path.read_text(encoding="utf-8")))


def running(run_dir: Path, name: str) -> ProcessRecord | None:
    """The recorded process if it is still alive and ours."""
    record = load(run_dir, name)
    return record if record and is_ours(record) else None


def stop(run_dir: Path, name: str, grace_s: float = 20.0) -> bool:
    """SIGTERM the recorded process, SIGKILL it after ``grace_s``; True if it was running."""
    record = load(run_dir, name)
    if record is None:
        return False
    was_running = stop_pid(record.pid, (record.marker,), name, grace=grace_s)
    _record_path(run_dir, name).unlink(missing_ok=True)
    return was_running


def stop_all(run_dir: Path, grace_s: float = 20.0) -> dict[str, bool]:
    """Stop every process recorded in ``run_dir`` (by name, so ingest stops after enrichment and
    indexer); return whether each was running."""
    return {
        path.stem: stop(run_dir, path.stem, grace_s) for path in sorted((run_dir / "pids").glob("*.json"))
    }


def signal_process(record: ProcessRecord, sig: signal.Signals) -> bool:
    """Send ``sig`` to the recorded process if it is still ours; True if sent."""
    if not is_ours(record):
        return False
    os.kill(record.pid, sig)
    return True
