"""Process and port helpers shared by the Kafka and Elasticsearch launchers (Linux /proc based)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

MARKER_DIR_PROP = "newsflow.stack.dir"
MARKER_COMPONENT_PROP = "newsflow.stack.component"

# Popen objects of processes this interpreter started, kept so they can be reaped (no zombies, no
# "subprocess still running" ResourceWarning).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def marker_args(run_dir: Path, component: str) -> list[str]:
    """JVM system properties that tag a process as ``component`` of the stack in ``run_dir``."""
    return [f"-D{MARKER_DIR_PROP}={run_dir}", f"-D{MARKER_COMPONENT_PROP}={component}"]


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS reports free right now (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct free ports (all sockets held open together so they differ)."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            socks.append(sock)
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for sock in socks:
            sock.close()


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
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


def wait_threads_gone(pid: int, timeout: float = 10.0) -> None:
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


def pid_cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", errors="replace") for part in raw.split(b"\0") if part]


def pid_is_ours(pid: int, run_dir: Path, component: str) -> bool:
    """``pid`` is alive and its command line carries this stack's marker for ``component``."""
    if pid <= 1 or not pid_alive(pid):
        return False
    args = pid_cmdline(pid)
    wanted = set(marker_args(run_dir, component))
    if wanted.issubset(args):
        return True
    # ES_JAVA_OPTS may reach the JVM as one joined argument on some launchers: accept substrings too.
    joined = " ".join(args)
    return all(w in joined for w in wanted)


def terminate(
    pid: int,
    run_dir: Path,
    component: str,
    *,
    grace: float = 30.0,
    force: bool = False,
) -> bool:
    """SIGTERM (SIGKILL when ``force``) ``pid`` if it is this stack's ``component``, wait up to ``grace``,
    then SIGKILL. Returns True when a process was signalled (see :func:`stop_pid`)."""
    return stop_pid(pid, lambda: pid_is_ours(pid, run_dir, component), component, grace=grace, force=force)


def stop_pid(
    pid: int,
    still_ours: Callable[[], bool],
    label: str,
    *,
    grace: float = 30.0,
    force: bool = False,
) -> bool:
    """SIGTERM (SIGKILL when ``force``) ``pid`` while ``still_ours()`` proves it is the process we
    started, wait up to ``grace``, then SIGKILL; every signal is sent only after that check.

    Returns True when a process was signalled. A pid that is gone or now belongs to some other
    program is left alone. Used for the stack's JVMs and for the services of a local run.
    """
    if pid <= 1 or not still_ours():
        if pid > 1 and pid_alive(pid):
            logger.warning("pid %s is not our %s any more; not signalling it", pid, label)
        return False
    sig = signal.SIGKILL if force else signal.SIGTERM
    logger.info("sending %s to %s (pid %s)", sig.name, label, pid)
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + (10.0 if force else grace)
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            wait_threads_gone(pid)
            return True
        time.sleep(0.1)
    if pid_alive(pid) and still_ours():
        logger.warning("%s (pid %s) ignored SIGTERM for %.0fs: SIGKILL", label, pid, grace)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.1)
        wait_threads_gone(pid)
    return True


def kill_group(pgid: int) -> None:
    """SIGKILL a process group that this interpreter created (start_new_session)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError as exc:
        if exc.errno != errno.ESRCH:
            logger.warning("could not kill process group %s: %s", pgid, exc)


def spawn(
    cmd: Sequence[str],
    *,
    log_file: Path,
    cwd: Path,
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
