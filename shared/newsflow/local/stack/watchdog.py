"""Stop a stack when the process that owns it dies (e.g. a pytest run killed by a timeout).

``spawn_watchdog(owner_pid, run_dir)`` starts ``python -m newsflow.local.stack.watchdog`` detached; it
polls the owner and, once the owner is gone, runs :func:`stop_stack` on the run dir (and removes
the dir when asked). The owner normally ends the watchdog itself after a clean shutdown.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from newsflow.local import processes
from newsflow.local.stack.manager import stop_stack

logger = logging.getLogger(__name__)


def _start_time(pid: int) -> str | None:
    """Kernel start time of ``pid`` (guards against pid reuse)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _owner_alive(pid: int, start_time: str | None) -> bool:
    if not processes.pid_alive(pid):
        return False
    return start_time is None or _start_time(pid) == start_time


def watch(owner_pid: int, run_dir: Path, *, remove: bool = False, poll: float = 2.0) -> None:
    """Block while ``owner_pid`` lives, then stop the stack in ``run_dir``."""
    started = _start_time(owner_pid)
    while _owner_alive(owner_pid, started):
        time.sleep(poll)
    if not run_dir.exists():
        return
    logger.warning("owner pid %s is gone: stopping the stack in %s", owner_pid, run_dir)
    from newsflow.local.stack import cluster  # cluster imports manager: import it only when needed

    if cluster.is_cluster(run_dir):
        cluster.stop_cluster(run_dir)
    else:
        stop_stack(run_dir)
    if remove:
        shutil.rmtree(run_dir, ignore_errors=True)


def spawn_watchdog(owner_pid: int, run_dir: Path, *, remove: bool = False) -> subprocess.Popen[bytes]:
    """Start a detached watchdog for ``run_dir``; end it (``terminate()``) after a clean stop."""
    package_root = Path(__file__).resolve().parents[3]  # the folder holding newsflow/
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(package_root), env.get("PYTHONPATH", "")) if p)
    cmd = [
        sys.executable,
        "-m",
        "newsflow.local.stack.watchdog",
        "--owner",
        str(owner_pid),
        "--run-dir",
        str(run_dir),
    ]
    if remove:
        cmd.append("--remove")
    # Own session (spawn): it survives a signal sent to the owner's process group.
    return processes.spawn(cmd, log_file=Path(run_dir) / "watchdog.log", env=env)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsflow.local.stack.watchdog", description=__doc__)
    parser.add_argument("--owner", type=int, required=True, help="pid whose death stops the stack")
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--remove", action="store_true", help="delete the run dir after stopping")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    watch(args.owner, args.run_dir, remove=args.remove)
    return 0


if __name__ == "__main__":
    sys.exit(main())
