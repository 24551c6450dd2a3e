"""uvicorn server that ends live streams on shutdown (they would otherwise hold it open)."""

from types import FrameType

import uvicorn

from cloud.alerts.hub import AlertHub


class CloudServer(uvicorn.Server):
    """`uvicorn.Server` that closes the alert streams when asked to exit."""

    def __init__(self, config: uvicorn.Config, hub: AlertHub) -> None:
        super().__init__(config)
        self.hub = hub

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Ctrl-C / SIGTERM: end SSE streams, then the usual graceful shutdown."""
        self.hub.close_streams()
        super().handle_exit(sig, frame)
