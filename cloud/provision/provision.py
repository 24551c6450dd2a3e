"""Writes everything a secure broker and its clients need, from the registry.

Re-running keeps what exists (CA, passwords, device signing keys) and rewrites the password
files and the ACL from the current registry: a device removed from the registry loses its login
and its grants; `kill -HUP` on Mosquitto applies that without a restart.

Layout of OUT:
  broker/   mosquitto.conf, acl, passwd-devices, passwd-cloud, ca.crt, server.crt, server.key
  ca/       ca.crt, ca.key                    (keep offline; signs the broker's certificate)
  identities/<username>/  credentials.json (username, password, url), client.crt, client.key,
                          signing.key (Ed25519: devices, gateways, the cloud) — copy each to
                          its box
  cloud-public.key        the cloud's public key: `cloud_key_file` of gateways and edge nodes
  registry.yaml           the registry with each device's public key filled in
"""

import json
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import yaml

from agrisafe.files import atomic_write
from agrisafe.identity import generate_signing_key, load_signing_key, public_text, write_signing_key
from cloud.provision.acl import Identity, Role, acl_file
from cloud.provision.broker_conf import BrokerPorts, mosquitto_conf
from cloud.provision.passwd import hash_password, password_file
from cloud.provision.pki import Issued, issue, load_ca, make_ca
from cloud.registry.model import RegistryFile

logger = logging.getLogger(__name__)
_FORBIDDEN = frozenset(":# \t")


class ProvisionError(ValueError):
    """The registry cannot be turned into broker identities (says which id and why)."""


@dataclass
class ProvisionResult:
    """What was written."""

    out: Path
    identities: list[Identity] = field(default_factory=list)
    registry: RegistryFile | None = None


def identities_of(registry: RegistryFile, *, gateways: bool = True) -> list[Identity]:
    """The cloud, a gateway per site (optional) and every registered device."""
    out = [Identity(Role.CLOUD)]
    for site in registry.sites:
        _check_id("site", site.id)
        if gateways:
            out.append(Identity(Role.GATEWAY, site.id))
        for dev in site.devices:
            _check_id(f"device of site {site.id}", dev.id)
            out.append(Identity(Role.DEVICE, site.id, dev.id))
    return out


def _check_id(what: str, value: str) -> None:
    bad = sorted(c for c in set(value) if c in _FORBIDDEN)
    if bad:
        raise ProvisionError(f"{what} {value!r}: {bad!r} cannot appear in a broker username")


def provision(
    registry: RegistryFile, out: Path, ports: BrokerPorts, *, gateways: bool = True
) -> ProvisionResult:
    """Write (or refresh) every file under `out` for `registry`."""
    idents = identities_of(registry, gateways=gateways)
    ca = _ca(out / "ca")
    broker = out / "broker"
    broker.mkdir(parents=True, exist_ok=True)
    atomic_write(broker / "ca.crt", (out / "ca" / "ca.crt").read_bytes())
    issue(ca, "agrisafe broker", hosts=ports.hosts).write(
        broker / "server.crt", broker / "server.key"
    )
    passwords: dict[Identity, str] = {i: _identity_files(out, i, ca, ports) for i in idents}
    cloud = {i.username: hash_password(p) for i, p in passwords.items() if i.role is Role.CLOUD}
    others = {
        i.username: hash_password(p) for i, p in passwords.items() if i.role is not Role.CLOUD
    }
    atomic_write(broker / "passwd-cloud", password_file(cloud).encode(), mode=0o600)
    atomic_write(broker / "passwd-devices", password_file(others).encode(), mode=0o600)
    atomic_write(broker / "acl", acl_file(idents).encode())
    atomic_write(broker / "mosquitto.conf", mosquitto_conf(broker, ports).encode())
    keyed = _with_public_keys(registry, out)
    atomic_write(
        out / "registry.yaml",
        yaml.safe_dump(
            keyed.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False
        ).encode(),
    )
    logger.info("provisioned %d identities under %s", len(idents), out)
    return ProvisionResult(out, idents, keyed)


def _ca(root: Path) -> Issued:
    cert, key = root / "ca.crt", root / "ca.key"
    if cert.exists() and key.exists():
        return load_ca(cert, key)
    root.mkdir(parents=True, exist_ok=True)
    ca = make_ca()
    ca.write(cert, key)
    return ca


def identity_dir(out: Path, ident: Identity) -> Path:
    """Where an identity's files are written."""
    return out / "identities" / ident.username


def _identity_files(out: Path, ident: Identity, ca: Issued, ports: BrokerPorts) -> str:
    home = identity_dir(out, ident)
    home.mkdir(parents=True, exist_ok=True)
    creds = home / "credentials.json"
    password = (
        str(json.loads(creds.read_text("utf-8"))["password"])
        if creds.exists()
        else secrets.token_urlsafe(24)
    )
    port = ports.cloud if ident.role is Role.CLOUD else ports.device
    host = ports.hosts[0]
    url = (
        f"mqtts://{quote(ident.username, safe='')}:{quote(password, safe='')}@{host}:{port}"
        f"?ca={quote(str((out / 'broker' / 'ca.crt').resolve()), safe='/')}"
    )
    doc = {"username": ident.username, "password": password, "url": url}
    atomic_write(creds, json.dumps(doc, indent=2).encode(), mode=0o600)
    if not (home / "client.crt").exists():
        issue(ca, ident.username).write(home / "client.crt", home / "client.key")
    # Devices sign what they send, gateways their own telemetry, the cloud its chain anchors
    # and the commands it sends (devices and gateways are given its public half).
    if not (home / "signing.key").exists():
        write_signing_key(home / "signing.key", generate_signing_key())
    if ident.role is Role.CLOUD:
        public = public_text(load_signing_key(home / "signing.key")) + "\n"
        atomic_write(out / "cloud-public.key", public.encode())
    return password


def _with_public_keys(registry: RegistryFile, out: Path) -> RegistryFile:
    sites = []
    for site in registry.sites:
        devices = []
        for dev in site.devices:
            key = load_signing_key(
                identity_dir(out, Identity(Role.DEVICE, site.id, dev.id)) / "signing.key"
            )
            devices.append(dev.model_copy(update={"public_key": public_text(key)}))
        sites.append(site.model_copy(update={"devices": devices}))
    return registry.model_copy(update={"sites": sites})
