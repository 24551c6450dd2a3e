"""`setup_logging`: records go to the stderr of the moment, even after it was swapped and closed."""

import io
import logging
import sys

import pytest

from agrisafe.logs import setup_logging


def test_a_closed_stderr_from_an_earlier_command_does_not_break_logging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    setup_logging("INFO")
    logging.getLogger("agrisafe.test").info("one")
    first.close()  # what CliRunner does with its captured stream
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("agrisafe.test").info("two")
    assert "two" in second.getvalue()
    assert "Logging error" not in second.getvalue()
