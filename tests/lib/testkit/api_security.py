"""Fixtures for the API hardening replays (tests/security/test_api_*.py): a real cloud on the
scenario registry — site SX-TG-001 in region 140703 (A), SX-JX-002 in region 140781 (B) — and
clients holding tokens minted through the admin API."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from testkit.cloud import RunningCloud, bearer_client, cloud_settings, mint_token, running_cloud
from testkit.compliance import SCENARIO_REGISTRY

SITE_A, REGION_A = "SX-TG-001", "140703"
SITE_B, REGION_B = "SX-JX-002", "140781"
# The JPEG signature and a little more: what sniffing accepts as a snapshot.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"snapshot" * 8


@contextmanager
def hardened_cloud(
    tmp: Path, broker_url: str, database_url: str | None = None, **overrides: Any
) -> Iterator[RunningCloud]:
    """A running cloud on the two-region scenario registry with `overrides` in its settings."""
    settings = cloud_settings(
        tmp,
        broker_url,
        registry_file=SCENARIO_REGISTRY,
        shared_subscription=False,
        database_url=database_url,
        **overrides,
    )
    with running_cloud(settings) as cloud:
        yield cloud


def client(cloud: RunningCloud, **scope: Any) -> tuple[httpx.Client, str]:
    """(an HTTP client, its token) for a token the cloud's admin minted with `scope`."""
    token = mint_token(cloud.base_url, cloud.admin_token, **({"name": "t"} | scope))
    return bearer_client(cloud.base_url, token), token


def device_client(cloud: RunningCloud, site: str, device: str) -> httpx.Client:
    """A client with the device token of `device` at `site`."""
    return client(cloud, name=device, role="device", sites=[site], device=device)[0]
