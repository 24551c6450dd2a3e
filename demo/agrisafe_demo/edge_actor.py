"""The demo's camera: an edge node watching a rendered clip of someone spraying plot P1.

The clip comes from the models' renderer (a seed outside training); the edge node plays it in
real time as camera `cam-01`, recognises the spraying with the shipped model, and publishes the
activity start / end through its durable outbox to the demo's broker, uploading the snapshots
and the clip to the cloud. Like a real node it loads the COCO verifier and the model's drift
profile, and the camera is commissioned first (a short survey of the clip, plots as configured),
so its activities say `verified`, `out_of_domain` and `commissioned`. Without the shipped model
or the edge extra the demo runs without it.
"""

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agrisafe.mqtt.url import BrokerAddress
from agrisafe.worker import BackgroundWorker

if TYPE_CHECKING:  # the edge extra is optional for the demo: imported in run() when present
    from edge.config import SiteConfig
    from edge.detect.base import Detector

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
            from edge.detect.verifier import load_verifier
            from edge.drift import load_profile
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
                # COCO rarely sees a person in a rendered worker: the demo's spraying is sent
                # with verified: false (the cloud raises it for review) rather than hidden
                "pipeline": {"verifier": {"unconfirmed": "flag"}},
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
        self._commission(cfg, detector)
        self.node = build_app(
            cfg,
            detector,
            self.data_dir,
            self.addr,
            on_envelope=self._seen,
            verifier=load_verifier(cfg.pipeline.verifier, model, detector),
            profile=load_profile(model),
        )
        self.node.start()
        logger.info("demo camera cam-01 watching a rendered clip of plot P1 (seed %d)", self.seed)

    def _commission(self, cfg: "SiteConfig", detector: "Detector") -> None:
        """What an installer does before go-live (`agrisafe edge commission --confirm`)."""
        from edge.commission import survey, write_outputs, write_record
        from edge.frames import open_source

        cam = cfg.cameras[0]
        frames = open_source(cam.source, cam.detect_fps).frames()
        report, snapshot = survey(
            frames, detector, cfg.pipeline, camera=cam.name, source=cam.source, seconds=5
        )
        write_outputs(self.data_dir / "commissioning" / cam.name, report, snapshot)
        write_record(self.data_dir, report, cam.polygons())
        logger.info("demo camera %s commissioned (%d frames surveyed)", cam.name, report.frames)
