"""``python -m newsflow.cli.init_job topics create`` / ``index create``: the two idempotent init commands.

The compose init image (services/Dockerfile, target ``init``) ships only these two sub-commands of
``newsflow`` (the full CLI imports the local stack, ingest and spaCy), parsed by the CLI's own
parser; its ``newsflow`` command runs this module.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from newsflow.cli import admin, build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``topics create`` or ``index create`` and run it."""
    args = build_parser({"topics": admin, "index": admin}).parse_args(argv)
    return admin.run(args)


if __name__ == "__main__":
    sys.exit(main())
