"""The ``newsflow`` command line: stack, ingest (backfill), search, reindex, status, schemas."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each sub-command lives in its own module exposing add_subparser(subparsers) and run(args) -> int.
SUBCOMMANDS: dict[str, str] = {
    "stack": "newsflow.stack.cli",
    "ingest": "newsflow.ingest.cli",
    "search": "newsflow.search_cli",
    "reindex": "newsflow.reindex_cli",
    "status": "newsflow.status",
    "topics": "newsflow.admin_cli",
    "index": "newsflow.admin_cli",
    "run": "newsflow.devrun",
    "stop": "newsflow.devrun",
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsflow`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    module = importlib.import_module(SUBCOMMANDS[args.command])
    result: int = module.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
