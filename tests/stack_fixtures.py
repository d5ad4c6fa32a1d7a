"""Old home of the stack fixtures, kept until tests/integration/test_stack.py imports tests.support.stack."""

from tests.support.stack import LocalStackControl as LocalStackControl
