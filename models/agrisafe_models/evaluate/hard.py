"""Rendered hard negatives: how often a model sees spraying where only look-alikes are.

Stills from renderer v2 with no sprayer anywhere and spray look-alikes in every one (dust, smoke,
fog, sprinklers, mulch, people carrying cans, backpacks, umbrellas). Any spraying cue there — a
plume, or a sprayer touching a person, by the edge's own rule (`edge.verify.cue_boxes`) — is false.
Seeds come from their own range, so these images are never in a training split.
`HARD_V3` adds what renderer v3 knows of real cameras: lens dirt, IR-cut switching, banding and
codec blocking, real soil grain, and people far off (their `person` recall is the small-people
measure).
"""

from typing import Any

from agrisafe_models.render.compose import Realism, render_still
from edge.detect.base import Detector
from edge.params import VerifierParams
from edge.verify import cue_boxes

HARD_SEED_OFFSET = 5_000_000  # train 0+, val 1M, test 2M, clips 3M, INT8 calibration 4M
HARD_ONLY = Realism(hard=1.0, texture=True, cues=False)
HARD_V3 = Realism(hard=1.0, texture=True, cues=False, camera=True, far=True, photo=True)
HARD_SETS = {"v2": HARD_ONLY, "v3": HARD_V3}


def evaluate_hard(
    detector: Detector,
    images: int = 200,
    seed: int = 0,
    width: int = 384,
    height: int = 216,
    realism: Realism = HARD_ONLY,
) -> dict[str, Any]:
    """False-cue rate (share of images with a cue) and person recall on IMAGES hard negatives."""
    params = VerifierParams()
    cued = people = found = 0
    for i in range(images):
        img, labels = render_still(HARD_SEED_OFFSET + seed + i, width, height, realism)
        dets = detector.detect(img)
        cued += bool(cue_boxes(dets, params))
        truth = sum(1 for cls, _ in labels if cls == 0)
        people += truth
        found += min(truth, sum(1 for d in dets if d.label == "person"))
    return {
        "images": images,
        "false_cue_rate": round(cued / images, 3) if images else None,
        "people": people,
        "person_recall_count": round(found / people, 3) if people else None,
    }
