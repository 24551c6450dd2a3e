"""Trust-chain test helpers: demo registry with device keys, signed messages, a keyed service."""

from dataclasses import dataclass, field

from agrisafe.identity import SigningKey, generate_signing_key, public_text, sign_document
from cloud.chain.append import ChainStage
from cloud.engine.runner import RuleEngine
from cloud.ingest.service import IngestService
from cloud.registry import RegistryFile, RegistryService, load_registry_file
from cloud.store.db import make_engine, migrate
from testkit.messages import encode
from testkit.paths import DEMO_SITE_FILE

SITE = "SX-TG-001"


@dataclass
class KeyedRegistry:
    """The demo registry with an Ed25519 key per device and a signature policy."""

    registry: RegistryFile
    keys: dict[str, SigningKey] = field(default_factory=dict)


def keyed_registry(signatures: str = "required") -> KeyedRegistry:
    """The demo site, every device given a fresh key, signatures `required` or `optional`."""
    base = load_registry_file(DEMO_SITE_FILE)
    keys: dict[str, SigningKey] = {}
    sites = []
    for site in base.sites:
        devices = []
        for dev in site.devices:
            keys[dev.id] = generate_signing_key()
            devices.append(dev.model_copy(update={"public_key": public_text(keys[dev.id])}))
        sites.append(site.model_copy(update={"devices": devices, "signatures": signatures}))
    return KeyedRegistry(base.model_copy(update={"sites": sites}), keys)


def signed(env: dict[str, object], key: SigningKey) -> bytes:
    """The envelope's JSON with its detached signature."""
    return encode(sign_document(env, key))


def keyed_service(url: str, keyed: KeyedRegistry) -> IngestService:
    """A real ingest service on `url` (migrated) with the keyed registry and the chain stage."""
    engine = make_engine(url)
    migrate(engine)
    registry = RegistryService(engine)
    registry.sync_file(keyed.registry)
    return IngestService(engine, registry, RuleEngine(), record_sinks=[ChainStage()])
