"""Stored envelopes."""

from typing import Any

from cloud.api.schemas.common import Page


class RecordPage(Page[dict[str, Any]]):
    """Envelopes (protocol v1) newest first by event time, each with `received_ms`, `source`."""
