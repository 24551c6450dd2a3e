"""COCO's looks through the trunk v2 shares with it: the same detections, on the frame it saw."""

import logging
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from agrisafe_models.evaluate.real import locate
from edge.detect import head
from edge.detect.base import Image
from edge.detect.onnx import OnnxDetector
from edge.detect.verifier import OnnxVerifier, load_verifier
from edge.params import DetectorParams, VerifierParams

REPO = Path(__file__).resolve().parents[3]
COCO = REPO / "models" / "yolov8n-coco" / "model.onnx"
V1 = REPO / "models" / "agri-activity-v1" / "model.onnx"
V2 = REPO / "models" / "agri-activity-v2" / "model.onnx"
PHOTOS = ("pkg:ultralytics/assets/bus.jpg", "pkg:ultralytics/assets/zidane.jpg")


def _photo(name: str) -> Image:
    path = locate(name, None)
    assert path is not None, name
    return np.asarray(cv2.imread(str(path), cv2.IMREAD_COLOR), dtype=np.uint8)


@pytest.fixture(scope="module")
def whole() -> OnnxVerifier:
    return OnnxVerifier(COCO, VerifierParams(share_trunk=False))


def test_looks_through_the_shared_trunk_find_what_whole_looks_find(whole: OnnxVerifier) -> None:
    ours = OnnxDetector(V2, DetectorParams())
    verifier = OnnxVerifier(COCO, VerifierParams(), ours)
    assert verifier.shared is not None
    for name in PHOTOS:
        frame = _photo(name)
        mine = ours.detect(frame)
        looked = verifier.reference(frame, tiled=True)
        assert looked == whole.reference(frame, tiled=True)  # to the last digit
        assert any(d.label == "person" for d in looked)
        # our own detections are those of the model as shipped
        assert mine == OnnxDetector(V2, DetectorParams()).detect(frame)
    assert (verifier.shared.shared, verifier.shared.whole) == (2, 0)


def test_a_frame_our_model_did_not_see_gets_a_whole_look(whole: OnnxVerifier) -> None:
    ours = OnnxDetector(V2, DetectorParams())
    verifier = OnnxVerifier(COCO, VerifierParams(), ours)
    assert verifier.shared is not None
    bus, zidane = (_photo(n) for n in PHOTOS)
    ours.detect(bus)
    # a copy of that frame, or another frame, is not the frame whose features are kept
    assert verifier.reference(bus.copy()) == whole.reference(bus)
    assert verifier.reference(zidane) == whole.reference(zidane)
    # a crop around a man is a look of its own, by the whole model
    crops = [(0, 300, 400, 900)]
    assert verifier.reference(bus, crops=crops) == whole.reference(bus, crops=crops)
    assert (verifier.shared.shared, verifier.shared.whole) == (1, 3)


def test_no_shared_trunk_no_shared_looks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    v1 = OnnxDetector(V1, DetectorParams())  # trained from scratch: nothing in common
    assert OnnxVerifier(COCO, VerifierParams(), v1).shared is None
    assert "shares no trunk" in caplog.text
    v2 = OnnxDetector(V2, DetectorParams())
    assert OnnxVerifier(COCO, VerifierParams(share_trunk=False), v2).shared is None
    assert v2.features is None
    v2.detect(_photo(PHOTOS[0]))
    assert v2.features is None  # keeps nothing when nobody reads it
    shared = load_verifier(VerifierParams(), V2, v2)
    assert isinstance(shared, OnnxVerifier)
    assert shared.shared is not None


def test_a_sweep_at_another_input_size_looks_whole(whole: OnnxVerifier) -> None:
    ours = OnnxDetector(V2, DetectorParams())
    verifier = OnnxVerifier(COCO, VerifierParams(sweep_input=640), ours)
    assert verifier.shared is not None
    frame = _photo(PHOTOS[0])
    ours.detect(frame)
    at_640 = OnnxVerifier(COCO, VerifierParams(sweep_input=640, share_trunk=False))
    assert verifier.reference(frame, tiled=True) == at_640.reference(frame, tiled=True)
    assert verifier.reference(frame) == whole.reference(frame)  # a cue's look: at 320, shared
    assert (verifier.shared.shared, verifier.shared.whole) == (1, 0)


def test_features_that_are_not_coco_s_are_refused_by_the_probe(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A pair of graphs claimed to share a trunk that does not: v1 (same architecture, its own
    weights) offered as the features. The probe image catches it and our model is left as it
    was."""
    real = head.split(V2, COCO)
    assert real is not None
    import onnx

    from edge.detect.trunk import with_outputs

    names = [m for m, _ in real[2]]
    v1_exposed = with_outputs(onnx.load(str(V1)), names).SerializeToString()
    monkeypatch.setattr(head, "split", lambda ours, ref: (real[0], v1_exposed, real[2]))
    v1 = OnnxDetector(V1, DetectorParams())
    with caplog.at_level(logging.WARNING):
        verifier = OnnxVerifier(COCO, VerifierParams(), v1)
    assert verifier.shared is None
    assert "disagrees with COCO on a probe" in caplog.text
    frame = _photo(PHOTOS[0])
    assert v1.detect(frame) == OnnxDetector(V1, DetectorParams()).detect(frame)
    assert v1.features is None


def test_graphs_that_cannot_be_cut_leave_whole_looks(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """onnx's extractor failing on a graph (here: asked for a tensor COCO's graph lacks, so the
    real extractor raises) must not stop the edge: whole looks, our model as loaded."""
    from edge.detect import trunk

    real = trunk.shared_boundary

    def renamed(ours: object, ref: object, least: int = trunk.MIN_SHARED_CONVS) -> object:
        return [(m, t + "-missing") for m, t in real(ours, ref, least)]  # type: ignore[arg-type]

    monkeypatch.setattr(trunk, "shared_boundary", renamed)
    head._split.cache_clear()
    try:
        ours = OnnxDetector(V2, DetectorParams())
        with caplog.at_level(logging.WARNING):
            verifier = OnnxVerifier(COCO, VerifierParams(), ours)
    finally:
        head._split.cache_clear()
    assert verifier.shared is None
    assert "cannot cut" in caplog.text
    frame = _photo(PHOTOS[1])
    assert verifier.reference(frame) == OnnxVerifier(
        COCO, VerifierParams(share_trunk=False)
    ).reference(frame)
    assert ours.features is None


def test_a_cut_head_that_does_not_load_leaves_our_model_as_loaded(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The head's bytes refused by onnxruntime (truncated here) after the split: a warning,
    whole looks, and our detector unexposed."""
    real = head.split(V2, COCO)
    assert real is not None
    monkeypatch.setattr(head, "split", lambda ours, ref: (real[0][:4096], real[1], real[2]))
    ours = OnnxDetector(V2, DetectorParams())
    with caplog.at_level(logging.WARNING):
        verifier = OnnxVerifier(COCO, VerifierParams(), ours)
    assert verifier.shared is None
    assert "do not run" in caplog.text
    frame = _photo(PHOTOS[0])
    assert ours.detect(frame) == OnnxDetector(V2, DetectorParams()).detect(frame)
    assert ours.features is None


def test_each_camera_thread_looks_through_its_own_frame(whole: OnnxVerifier) -> None:
    """Cameras run in threads over one detector and one verifier (edge.app): camera B's frame
    between camera A's detection and A's look must not cost A its shared look."""
    ours = OnnxDetector(V2, DetectorParams())
    verifier = OnnxVerifier(COCO, VerifierParams(), ours)
    assert verifier.shared is not None
    frames = [_photo(n) for n in PHOTOS]
    detected, looked = threading.Barrier(2), {}

    def camera(k: int) -> None:
        ours.detect(frames[k])
        detected.wait()  # both cameras have detected before either looks
        looked[k] = verifier.reference(frames[k])

    threads = [threading.Thread(target=camera, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [looked[k] for k in (0, 1)] == [whole.reference(f) for f in frames]
    assert (verifier.shared.shared, verifier.shared.whole) == (2, 0)
