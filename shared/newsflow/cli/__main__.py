"""``python -m newsflow.cli ...``: the same as the ``newsflow`` command."""

import sys

from newsflow.cli import main

sys.exit(main())
