"""Background processes of a local run: start with a log file, record the pid, stop exactly that pid."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessRecord:
    """What we know of a process we started: enough to find it again and to prove it is ours."""

    name: str
    pid: int
    argv: list[str]
    log_file: str
    marker: str  # a string that must appear in /proc/<pid>/environ or cmdline for the pid to be ours


def _record_path(run_dir: Path, name: str) -> Path:
    return run_dir / "pids" / f"{name}.json"


def is_ours(record: ProcessRecord) -> bool:
    """True when the pid is alive and still the process we started (not a recycled pid)."""
    try:
        environ = Path(f"/proc/{record.pid}/environ").read_bytes()
        cmdline = Path(f"/proc/{record.pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    stat = Path(f"/proc/{record.pid}/stat").read_text()
    if ") Z " in stat:  # a zombie is not running
        return False
    marker = record.marker.encode()
    return marker in environ or marker in cmdline


def start(
    run_dir: Path, name: str, argv: list[str], env: dict[str, str], cwd: Path | None = None
) -> ProcessRecord:
    """Start ``argv`` detached, logging to ``run_dir/logs/<name>.log``; record and return its pid."""
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    (run_dir / "pids").mkdir(parents=True, exist_ok=True)
    log_file = run_dir / "logs" / f"{name}.log"
    marker = f"NEWSFLOW_PROC_MARKER={run_dir.resolve()}/{name}"
    full_env = {**os.environ, **env, "NEWSFLOW_PROC_MARKER": marker.split("=", 1)[1]}
    with log_file.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
    record = ProcessRecord(name, proc.pid, argv, str(log_file), marker)
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
    was_running = is_ours(record)
    if was_running:
        os.kill(record.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while is_ours(record) and time.monotonic() < deadline:
            _reap(record.pid)
            time.sleep(0.1)
        if is_ours(record):
            log.warning("process did not stop in time, killing name=%s pid=%d", name, record.pid)
            os.kill(record.pid, signal.SIGKILL)
            while is_ours(record):
                _reap(record.pid)
                time.sleep(0.05)
    _record_path(run_dir, name).unlink(missing_ok=True)
    return was_running


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def signal_process(record: ProcessRecord, sig: signal.Signals) -> bool:
    """Send ``sig`` to the recorded process if it is still ours; True if sent."""
    if not is_ours(record):
        return False
    os.kill(record.pid, sig)
    return True


def reap(pid: int) -> None:
    """Collect a child's exit status so a dead child does not linger as a zombie."""
    _reap(pid)
