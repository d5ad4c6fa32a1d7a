"""``newsflow keys create SOURCE [--file PATH]``: a new ingest API key for SOURCE, printed once.

The key's hash is appended to the keys file (mode 0600) that ingest reloads; see
:mod:`newsflow.ingest.keys`.
"""

from __future__ import annotations

import argparse

from newsflow.ingest.keys import add_create_arguments, create_api_key


def add_subparser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``keys`` (with ``create``)."""
    parser = subparsers.add_parser("keys", help="ingest API keys (one source each)")
    actions = parser.add_subparsers(dest="keys_command", required=True, metavar="{create}")
    create = actions.add_parser("create", help="create a key for SOURCE, store its hash, print the key once")
    add_create_arguments(create)


def run(args: argparse.Namespace) -> int:
    """Create the key and print it (the only time it is shown)."""
    print(create_api_key(args.file, args.source))
    return 0
