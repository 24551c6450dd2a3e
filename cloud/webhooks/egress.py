"""Where webhooks may be sent: public addresses only, unless private ones are allowed.

A webhook URL is an outbound request the cloud makes for whoever registered it; without a
check it reaches the cloud's own loopback services, the LAN or a cloud metadata endpoint
(SSRF). The host is resolved and every address checked at registration and again before each
delivery, so a name that later resolves to a private address is refused too.
"""

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]


class EgressRefused(ValueError):
    """The target is not allowed (scheme, or an address on a private network)."""


def blocked_reason(address: str) -> str | None:
    """Why an IP address may not be a webhook target (None: public)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("unspecified", ip.is_unspecified),
    )
    return next((f"{name} address {ip}" for name, hit in checks if hit), None)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host resolves to (the system resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_target(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> None:
    """Raise EgressRefused unless `url` is http(s) and every address of its host is allowed."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise EgressRefused(f"webhook URL must be http(s)://host/…, not {url!r}")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(parts.hostname, port)
    except OSError as err:
        raise EgressRefused(f"cannot resolve {parts.hostname}: {err}") from err
    for address in addresses:
        why = blocked_reason(address)
        if why is not None:
            raise EgressRefused(
                f"webhook target {parts.hostname} resolves to a {why}; "
                "set AGRISAFE_WEBHOOK_ALLOW_PRIVATE=true to allow private targets"
            )
