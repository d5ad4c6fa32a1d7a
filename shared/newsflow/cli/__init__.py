"""The ``newsflow`` command line: stack, ingest (backfill), keys, search, reindex, status, scale, schemas.

Every sub-command is a module of this package with ``add_subparser(subparsers)`` (argparse) and
``run(args) -> int`` (calls one library function, prints). The table below lists them explicitly:
a module that fails to import breaks the whole command at once instead of vanishing from ``--help``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol


class SubCommand(Protocol):
    """What a sub-command module provides."""

    def add_subparser(self, subparsers: Any) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def subcommands() -> dict[str, SubCommand]:
    """Sub-command name -> the module that registers it (a module may register several names).

    Imported here rather than at the top so that ``python -m newsflow.cli.stack`` does not find its
    own module already imported; any import error still propagates to the caller.
    """
    from newsflow.cli import admin, ingest, keys, reindex, run, scale, schemas, search, stack, status

    return {
        "stack": stack,
        "ingest": ingest,
        "search": search,
        "reindex": reindex,
        "status": status,
        "topics": admin,
        "index": admin,
        "run": run,
        "stop": run,
        "scale": scale,
        "schemas": schemas,
        "keys": keys,
    }


def build_parser(table: dict[str, SubCommand] | None = None) -> argparse.ArgumentParser:
    """The root parser with every sub-command of the table (default: :func:`subcommands`)."""
    table = subcommands() if table is None else table
    parser = argparse.ArgumentParser(prog="newsflow", description=__doc__.split("\n", 1)[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in dict.fromkeys(table.values()):
        module.add_subparser(subparsers)
    if set(subparsers.choices) != set(table):
        raise RuntimeError(
            f"sub-command table and parsers differ: {sorted(set(subparsers.choices) ^ set(table))}"
        )
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
    table = subcommands()
    args = build_parser(table).parse_args(argv)
    try:
        return table[args.command].run(args)
    except BrokenPipeError:  # the reader went away (`newsflow search x | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
