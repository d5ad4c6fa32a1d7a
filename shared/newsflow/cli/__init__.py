"""The ``newsflow`` command line: stack, ingest (backfill), search, reindex, status, schemas."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# Each sub-command lives in its own module exposing add_subparser(subparsers) and run(args) -> int.
SUBCOMMANDS: dict[str, str] = {
    "stack": "newsflow.cli.stack",
    "ingest": "newsflow.cli.ingest",
    "search": "newsflow.cli.search",
    "reindex": "newsflow.cli.reindex",
    "status": "newsflow.local.status",
    "topics": "newsflow.cli.admin",
    "index": "newsflow.cli.admin",
    "run": "newsflow.local.run",
    "stop": "newsflow.local.run",
    "schemas": "newsflow.schemas",
}


def build_parser() -> argparse.ArgumentParser:
    """The root parser with every sub-command whose module is importable."""
    parser = argparse.ArgumentParser(prog="newsflow", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in dict.fromkeys(SUBCOMMANDS.values()):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # sub-command not built yet
            raise
        module.add_subparser(subparsers)
    return parser


LOCAL_RUN_FILE = Path(".newsflow/run.json")


def use_local_run_defaults(run_file: Path = LOCAL_RUN_FILE) -> None:
    """Point the CLI at the pipeline `newsflow run` started here, unless the environment says otherwise.

    Only the interactive CLI does this (services and tests always get explicit settings): it lets
    ``newsflow search ...`` work right after ``make run`` without exporting anything.
    """
    if not run_file.exists():
        return
    recorded = json.loads(run_file.read_text(encoding="utf-8"))
    defaults = {
        "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": recorded.get("kafka_bootstrap"),
        "NEWSFLOW_ES_URL": recorded.get("elasticsearch_url"),
    }
    for name, value in defaults.items():
        if value and name not in os.environ:
            os.environ[name] = value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsflow`` console script."""
    use_local_run_defaults()
    parser = build_parser()
    args = parser.parse_args(argv)
    module = importlib.import_module(SUBCOMMANDS[args.command])
    result: int = module.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
