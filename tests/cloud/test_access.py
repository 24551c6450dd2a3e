"""`may_post_as`: which device a principal may post as (pure; ingest calls it)."""

import pytest

from cloud.access import PERSON_DEVICE_TYPES, may_post_as


def test_admin_posts_as_anything() -> None:
    assert may_post_as("admin", None, "rt-01", "instrument") is None


def test_a_device_token_posts_only_as_itself() -> None:
    assert may_post_as("device", "rt-01", "rt-01", "instrument") is None
    assert "only send as device 'rt-01'" in (
        may_post_as("device", "rt-01", "cam-01", "camera") or ""
    )


@pytest.mark.parametrize("role", ["producer", "inspector"])
@pytest.mark.parametrize("kind", ["instrument", "camera", "gps", "bridge", "gateway", "edge"])
def test_people_may_not_post_as_instruments_or_cameras(role: str, kind: str) -> None:
    why = may_post_as(role, None, "rt-01", kind)
    assert why is not None
    assert kind in why


@pytest.mark.parametrize("kind", sorted(PERSON_DEVICE_TYPES))
def test_people_post_as_their_apps_and_terminals(kind: str) -> None:
    assert may_post_as("producer", None, "app-zhang", kind) is None


def test_unregistered_devices_are_left_to_ingest() -> None:
    assert may_post_as("producer", None, "nobody", None) is None


@pytest.mark.parametrize("role", ["regulator", "expert"])
def test_readers_do_not_post(role: str) -> None:
    assert may_post_as(role, None, "app-zhang", "app") is not None
