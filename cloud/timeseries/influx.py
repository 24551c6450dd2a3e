"""InfluxDB adapter of `TimeSeriesWriter` (influxdb-client, `/api/v2/write`, ms precision).

Writes are SYNCHRONOUS, one HTTP request per outbox batch: the client's batching mode keeps
points only in memory and drops them when its retries run out or the process exits without
`close()` (influxdb-client issues #165, #394, #504, #689). Here a failed write raises, the rows
stay in the outbox and the pump retries. Works with InfluxDB 2.x and with VictoriaMetrics,
which accepts the same endpoint (bucket and org are ignored there).
"""

import logging
from collections.abc import Sequence

import urllib3
from influxdb_client.client.influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.domain.write_precision import WritePrecision
from influxdb_client.rest import ApiException

from cloud.timeseries.points import Point, to_line
from cloud.timeseries.port import WriteError

logger = logging.getLogger(__name__)

# Statuses worth retrying: the server is busy, overloaded or restarting.
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


class InfluxWriter:
    """Writes points as line protocol through influxdb-client's write API."""

    name = "influxdb"

    def __init__(
        self, url: str, token: str, org: str, bucket: str, *, timeout_s: float = 10.0
    ) -> None:
        self.url = url
        self.org = org
        self.bucket = bucket
        self._client = InfluxDBClient(url=url, token=token, org=org, timeout=int(timeout_s * 1000))
        self._api = self._client.write_api(write_options=SYNCHRONOUS)

    def write(self, points: Sequence[Point]) -> None:
        """One request with all points; raise `WriteError` saying whether to retry."""
        if not points:
            return
        # One string, not a list: the client would otherwise re-serialise every line.
        body = "\n".join([to_line(p) for p in points])
        try:
            self._api.write(
                bucket=self.bucket,
                org=self.org,
                record=body,
                write_precision=WritePrecision.MS,  # type: ignore[arg-type]
            )
        except ApiException as err:
            status = int(err.status or 0)
            raise WriteError(
                f"{self.url} answered {status} {err.reason}: {str(err.body)[:300]}",
                retryable=status in RETRYABLE or status == 0,
            ) from err
        except (urllib3.exceptions.HTTPError, OSError) as err:
            raise WriteError(f"{self.url} unreachable: {err}", retryable=True) from err

    def ping(self) -> bool:
        """True when the server answers its health endpoint."""
        return bool(self._client.ping())

    def close(self) -> None:
        """Close the HTTP pool (there is no client-side buffer to flush)."""
        self._client.close()  # type: ignore[no-untyped-call]
