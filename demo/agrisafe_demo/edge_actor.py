"""The demo's camera: an edge node watching a rendered clip of someone spraying plot P1.

The clip comes from the models' renderer (a seed outside training); the edge node plays it in
real time as camera `cam-01`, recognises the spraying with the shipped model, and publishes the
activity start / end through its durable outbox to the demo's broker, uploading the snapshots
and the clip to the cloud. Without the shipped model or the edge extra the demo runs without it.
"""

import logging
from pathlib import Path
from typing import Any

from agrisafe.mqtt.url import BrokerAddress
from agrisafe.worker import BackgroundWorker

logger = logging.getLogger(__name__)
CAMERA_GEO = {"lat": 37.4301, "lon": 112.5603}  # inside the demo site's geofence


class EdgeActor(BackgroundWorker):
    """Renders the clip, then runs the real edge node on it (in a background thread)."""

    def __init__(
        self, data_dir: Path, addr: BrokerAddress, *, base_url: str, token: str, seed: int = 920001
    ) -> None:
        super().__init__("demo-camera", join_timeout_s=30.0)
        self.data_dir = data_dir / "edge"
        self.addr, self.base_url, self.token, self.seed = addr, base_url, token, seed
        self.node: Any = None

    def on_stop(self) -> None:
        """Stop the camera and flush the outbox briefly."""
        if self.node is not None:
            self.node.stop(drain_timeout_s=2.0)

    def _seen(self, env: Any) -> None:
        body = env.body
        logger.info(
            "camera cam-01: %s %s on plot %s at %s (confidence %.2f, %d evidence file(s))",
            body.activity,
            body.state,
            body.plot,
            env.ts.isoformat(),
            body.confidence,
            len(body.evidence),
        )

    def run(self) -> None:
        """Render the clip, then start the edge node on it."""
        try:
            from agrisafe_models.render.clips import render_clip
            from edge.app import build_app
            from edge.config import SiteConfig, default_model_path
            from edge.detect import load_detector
        except ImportError as err:
            logger.warning("demo camera disabled (install agrisafe[edge,models]): %s", err)
            return
        model = default_model_path()
        if not model.is_file():
            logger.warning("demo camera disabled: no shipped model at %s", model)
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        clip = self.data_dir / "cam-01.mp4"
        truth = render_clip(clip, seed=self.seed, seconds=30, width=640, height=360, fps=10)
        if self.stopping:
            return
        polygon = next(iter(truth.plots.values()))
        cfg = SiteConfig.model_validate(
            {
                "site": "SX-TG-001",
                "device": "cam-01",
                "cloud_url": self.base_url,
                "cloud_token": self.token,
                "cameras": [
                    {
                        "name": "cam-01",
                        "source": str(clip),
                        "realtime": True,
                        "geo": CAMERA_GEO,
                        "plots": [{"id": "P1", "polygon": polygon}],
                    }
                ],
            }
        )
        detector = load_detector(model, cfg.pipeline.detector)
        self.node = build_app(cfg, detector, self.data_dir, self.addr, on_envelope=self._seen)
        self.node.start()
        logger.info("demo camera cam-01 watching a rendered clip of plot P1 (seed %d)", self.seed)
