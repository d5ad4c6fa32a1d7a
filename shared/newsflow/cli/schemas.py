"""``newsflow schemas [--out DIR]``: export the JSON Schema of the wire contracts (see newsflow.schemas)."""

from __future__ import annotations

import argparse
from pathlib import Path

from newsflow.schemas import write_schemas


def add_subparser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``newsflow schemas``."""
    parser = subparsers.add_parser("schemas", help="export the JSON Schema of the wire contracts")
    parser.add_argument("--out", type=Path, default=Path("docs/schemas"), help="output directory")


def run(args: argparse.Namespace) -> int:
    """Write the schemas and list them."""
    for path in write_schemas(args.out):
        print(path)
    return 0
