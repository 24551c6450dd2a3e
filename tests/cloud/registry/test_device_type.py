"""`RegistryService.device_type` and `forget_sender`: what ingest and device removal use."""

from pathlib import Path

from sqlalchemy import delete

from cloud.access import may_post_as
from cloud.registry import RegistryService, load_registry_file
from cloud.store import tables as t
from cloud.store.db import make_engine, migrate
from testkit.paths import DEMO_SITE_FILE


def test_registry_answers_the_device_type(tmp_path: Path) -> None:
    """What ingest passes to `may_post_as`: the registered type, None when unregistered."""
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate(engine)
    registry = RegistryService(engine)
    registry.sync_file(load_registry_file(DEMO_SITE_FILE))
    assert registry.device_type("SX-TG-001", "rt-01") == "instrument"
    assert registry.device_type("SX-TG-001", "app-zhang") == "app"
    assert registry.device_type("SX-TG-001", "nobody") is None
    assert may_post_as("producer", None, "rt-01", registry.device_type("SX-TG-001", "rt-01"))


def test_a_forgotten_sender_is_read_again(tmp_path: Path) -> None:
    """The cache answers until the device is forgotten; then the database decides."""
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate(engine)
    registry = RegistryService(engine)
    registry.sync_file(load_registry_file(DEMO_SITE_FILE))
    assert registry.check_sender("SX-TG-001", "app-zhang")
    with engine.begin() as conn:
        conn.execute(delete(t.devices).where(t.devices.c.id == "app-zhang"))
    assert registry.check_sender("SX-TG-001", "app-zhang")  # cached (for sender_ttl_s)
    registry.forget_sender("SX-TG-001", "app-zhang")
    assert not registry.check_sender("SX-TG-001", "app-zhang")


def test_cached_answers_expire(tmp_path: Path) -> None:
    """Another process removed the device: this cache stops vouching for it after its TTL."""
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate(engine)
    registry = RegistryService(engine, sender_ttl_s=0.0)
    registry.sync_file(load_registry_file(DEMO_SITE_FILE))
    assert registry.check_sender("SX-TG-001", "rt-01")
    with engine.begin() as conn:
        conn.execute(delete(t.devices).where(t.devices.c.id == "rt-01"))
    assert not registry.check_sender("SX-TG-001", "rt-01")
