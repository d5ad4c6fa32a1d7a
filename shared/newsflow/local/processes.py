"""Background processes of a local run: start with a log file, record the pid, stop exactly that pid."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from newsflow.local.stack import _proc

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
    if not _proc.pid_alive(record.pid):  # gone, or a zombie: not running
        return False
    try:
        environ = Path(f"/proc/{record.pid}/environ").read_bytes()
        cmdline = Path(f"/proc/{record.pid}/cmdline").read_bytes()
    except OSError:  # gone meanwhile, or not readable
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
    was_running = _proc.stop_pid(record.pid, lambda: is_ours(record), name, grace=grace_s)
    _record_path(run_dir, name).unlink(missing_ok=True)
    return was_running


def signal_process(record: ProcessRecord, sig: signal.Signals) -> bool:
    """Send ``sig`` to the recorded process if it is still ours; True if sent."""
    if not is_ours(record):
        return False
    os.kill(record.pid, sig)
    return True


def reap(pid: int) -> None:
    """Collect a child's exit status so a dead child does not linger as a zombie."""
    _proc.reap(pid)
