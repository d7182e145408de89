"""Fixtures of the fault-injection suite; the helpers live in tests/faults/helpers.py."""

from tests.faults.helpers import gpu  # noqa: F401 - a fixture
