"""An HTTP transport that connects only to allowed addresses, checked at connect time.

`check_target` before a delivery gives a clear error; this closes the gap after it: the host is
resolved once more inside the connection, every address is checked, and the socket goes to a
checked address — a DNS answer that changes between the two (rebinding) cannot redirect the
request to loopback or the LAN. TLS still verifies the certificate against the URL's host name.
"""

import logging
from collections.abc import Callable, Iterable

import httpcore
import httpx

from cloud.webhooks.egress import blocked_reason, system_resolver

logger = logging.getLogger(__name__)


class _GuardedBackend(httpcore.SyncBackend):
    """A network backend that refuses to open TCP connections to blocked addresses."""

    def __init__(self, allow_private: Callable[[], bool]) -> None:
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve, check every address, connect to the first."""
        if self._allow_private():
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = system_resolver(host, port)
        except OSError as err:
            raise httpcore.ConnectError(f"cannot resolve {host}: {err}") from err
        for address in addresses:
            why = blocked_reason(address)
            if why is not None:
                raise httpcore.ConnectError(f"refused: {host} resolves to a {why}")
        return super().connect_tcp(addresses[0], port, timeout, local_address, socket_options)


def guarded_client(timeout_s: float, allow_private: Callable[[], bool]) -> httpx.Client:
    """An httpx client for webhook deliveries: no proxies from the environment, no redirects,
    connections only to addresses `allow_private` and the egress rules allow."""
    transport = httpx.HTTPTransport(trust_env=False)
    # Same pool as httpx builds, plus the guarded backend (httpx has no public hook for it).
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=_GuardedBackend(allow_private)
    )
    return httpx.Client(
        transport=transport, timeout=timeout_s, follow_redirects=False, trust_env=False
    )
