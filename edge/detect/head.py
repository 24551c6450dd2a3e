"""COCO's look on the features our model already computed for the frame (`edge.detect.trunk`).

`SharedHead` is a `Detector` for the verifier: on the very frame our detector has just run on,
it runs only COCO's head on the tensors our model kept, and decodes them as the whole COCO
model would; on any other image (a crop, a frame our detector has not seen) it is the whole
COCO model. Built by `share_trunk` only when the two graphs prove a common trunk and a probe
image gives COCO's own output from the head to 1e-4; otherwise the verifier keeps whole looks.
"""

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from edge.detect.base import Detection, Image, ModelInfo
from edge.detect.onnx import OnnxDetector
from edge.detect.yolo import letterbox

logger = logging.getLogger(__name__)
PROBE_ATOL = 1e-4  # the head on shared features against the whole model, on a probe image


@dataclass
class SharedHead:
    """COCO's `Detector` through its head on PARTNER's features, FULL where there are none."""

    partner: OnnxDetector  # our model, keeping the trunk's tensors of its last frame
    full: OnnxDetector  # the whole COCO model: its decoding, and looks elsewhere
    session: Any  # onnxruntime session of COCO's head
    pairs: tuple[tuple[str, str], ...]  # (our tensor, the head's input) in the head's order
    shared: int = 0  # looks made on shared features
    whole: int = 0  # looks made by the whole model (another image)
    info: ModelInfo = field(init=False)

    def __post_init__(self) -> None:
        self.info = self.full.info

    def head(self, tensors: dict[str, Any]) -> Any:
        """COCO's raw output from our model's tensors."""
        return self.session.run(None, {theirs: tensors[ours] for ours, theirs in self.pairs})[0]

    def detect(self, frame: Image) -> list[Detection]:
        """COCO's detections on FRAME, from the shared features when they are FRAME's: the same
        array object (every frame source hands each frame in an array of its own; a crop is a
        view, another object), not a copy or a frame our detector skipped."""
        kept = self.partner.features
        if kept is None or kept.frame is not frame:
            self.whole += 1
            return self.full.detect(frame)
        self.shared += 1
        return self.full.decoded(self.head(kept.tensors), kept.box, frame.shape[:2])


Split = tuple[bytes, bytes, tuple[tuple[str, str], ...]]  # head, ours exposed, tensor pairs


def split(ours: Path, ref: Path) -> Split | None:
    """COCO's head and our model exposing the trunk's tensors (serialised), or None: the two
    share no trunk. Kept per pair of files as they stand (a clip evaluation loads both again
    for every clip; the graphs cost a second to read and hash). ImportError: no `onnx`."""
    a, b = ours.stat(), ref.stat()
    return _split(str(ours), str(ref), (a.st_mtime_ns, a.st_size, b.st_mtime_ns, b.st_size))


@functools.lru_cache(maxsize=4)
def _split(ours: str, ref: str, stamp: tuple[int, ...]) -> Split | None:
    import onnx

    from edge.detect.trunk import head_of, shared_boundary, with_outputs

    mine, theirs = onnx.load(ours), onnx.load(ref)
    pairs = shared_boundary(mine.graph, theirs.graph)
    if not pairs:
        return None
    head = head_of(theirs, [t for _, t in pairs]).SerializeToString()
    return head, with_outputs(mine, [m for m, _ in pairs]).SerializeToString(), tuple(pairs)


def share_trunk(partner: OnnxDetector, full: OnnxDetector) -> SharedHead | None:
    """COCO's look through PARTNER's trunk, or None (logged) when the two share none, look at
    different input sizes, `onnx` is not installed, or the graphs cannot be cut or run as cut;
    PARTNER is then left as it was loaded. Sharing only saves time: no failure of it may stop
    the edge, so any error on the way means whole looks."""
    if partner.info.imgsz != full.info.imgsz:
        logger.info(
            "verifier: whole looks (input %s, our model's %s)", full.info.imgsz, partner.info.imgsz
        )
        return None
    try:
        found = split(partner.path, full.path)
    except ImportError:  # the edge extra installs onnx; a trimmed install keeps whole looks
        logger.info("verifier: whole looks (no onnx package to read the graphs)")
        return None
    except Exception as e:  # a graph onnxruntime runs but onnx cannot read, infer or cut
        logger.warning(
            "verifier: whole looks (cannot cut %s and %s: %r)", partner.path, full.path, e
        )
        return None
    if found is None:
        logger.info("verifier: whole looks (%s shares no trunk with %s)", partner.path, full.path)
        return None
    try:
        shared = _probed(partner, full, found)
    except Exception as e:  # the cut graphs do not load or run: the models as loaded go on
        partner.unexpose()
        logger.warning("verifier: whole looks (the cut graphs do not run: %r)", e)
        return None
    if shared is None:
        partner.unexpose()
        logger.warning(
            "verifier: whole looks (COCO's head on %s's trunk disagrees with COCO on a probe)",
            partner.info.name,
        )
        return None
    logger.info(
        "verifier: whole-frame looks run COCO's head on %s's trunk (%d tensors shared)",
        partner.info.name,
        len(found[2]),
    )
    return shared


def _probed(partner: OnnxDetector, full: OnnxDetector, found: Split) -> SharedHead | None:
    """The head's session with PARTNER exposing the trunk, or None: on a probe image (noise at
    the input size, through both ways) the head does not give COCO's own output. The hashes say
    the two agree; this checks the extraction and the sessions too."""
    import onnxruntime as ort

    head, exposed, pairs = found
    session = ort.InferenceSession(head, full.session_options, providers=["CPUExecutionProvider"])
    partner.expose(exposed, tuple(mine for mine, _ in pairs))
    h, w = full.info.imgsz
    image = np.random.default_rng(20261205).integers(0, 256, (h, w, 3), dtype=np.uint8)
    partner.detect(image)
    kept, partner.features = partner.features, None
    if kept is None:
        return None
    shared = SharedHead(partner, full, session, pairs)
    got, want = shared.head(kept.tensors), full.infer(letterbox(image, (h, w))[0])
    if got.shape != want.shape or not np.allclose(got, want, rtol=0, atol=PROBE_ATOL):
        return None
    return shared
