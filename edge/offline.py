"""Process one video file to its end: the `--once` mode and the models' evaluation harness."""

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from agrisafe.protocol import ActivityEnvelope, Envelope
from edge.calibration import Calibration, load_calibration
from edge.config import CameraConfig, default_model_path, model_params, whole_frame_camera
from edge.detect import Detector, load_detector
from edge.detect.verifier import Verifier, load_verifier
from edge.envelopes import CameraContext
from edge.evidence import EvidenceStore
from edge.frames import FileSource
from edge.params import PipelineParams
from edge.pipeline import CameraPipeline

logger = logging.getLogger(__name__)


def run_camera_file(  # noqa: PLR0913 - keyword-only model aids, each optional
    camera: CameraConfig,
    detector: Detector,
    params: PipelineParams,
    *,
    site: str = "local",
    device: str = "edge",
    start_time: datetime | None = None,
    evidence: EvidenceStore | None = None,
    verifier: Verifier | None = None,
    calibration: Calibration | None = None,
) -> list[ActivityEnvelope]:
    """Run one file camera through the pipeline; envelopes in emission order."""
    source = FileSource(
        Path(camera.source), camera.detect_fps, start_time=start_time, realtime=camera.realtime
    )
    ctx = CameraContext(site, device, camera.name, camera.geo.to_geo() if camera.geo else None)
    pipe = CameraPipeline(
        ctx,
        detector,
        params,
        camera.detect_fps,
        camera.polygons(),
        evidence=evidence,
        verifier=verifier,
        calibration=calibration,
    )
    out: list[ActivityEnvelope] = []
    for frame in source.frames():
        out.extend(pipe.process(frame))
    out.extend(pipe.finish())
    s = pipe.stats
    logger.info(
        "%s: %d frames, %d detected, %d motion-gated, %d verified (%d abstained), "
        "%d activity messages",
        camera.source,
        s.frames,
        s.detected,
        s.gated,
        s.verified,
        s.abstained,
        len(out),
    )
    return out


def run_file(
    source: Path,
    *,
    model: Path | None = None,
    start_time: datetime | None = None,
    params: PipelineParams | None = None,
    evidence_dir: Path | None = None,
    plots: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> list[Envelope]:
    """Activity envelopes (start/end, emission order) of one file, whole frame = plot `default`.

    `model` defaults to the shipped `models/agri-activity-v2/model.onnx` (or
    $AGRISAFE_MODEL_PATH); `params` default to the model's `pipeline.yaml` (else the built-in
    defaults); evidence is written only when `evidence_dir` is given; `plots` (plot id →
    polygon in pixels) replaces the whole-frame plot `default`.
    """
    model = model or default_model_path()
    params = params or model_params(model)
    detector = load_detector(model, params.detector)
    verifier = load_verifier(params.verifier, model, detector)
    store = EvidenceStore(evidence_dir, params.evidence.quota_mb << 20) if evidence_dir else None
    try:
        camera = whole_frame_camera(str(source))
        if plots:
            zones = [{"id": k, "polygon": list(v)} for k, v in plots.items()]
            camera = CameraConfig.model_validate(camera.model_dump() | {"plots": zones})
        envs = run_camera_file(
            camera,
            detector,
            params,
            start_time=start_time,
            evidence=store,
            verifier=verifier,
            calibration=load_calibration(model),
        )
    finally:
        if store is not None:
            store.close()
    return list(envs)
