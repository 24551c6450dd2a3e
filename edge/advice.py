"""Commissioning advice (pure): what an installer should fix before a camera goes live."""

from collections.abc import Mapping
from typing import TypeGuard

from edge.detect.base import Detector
from edge.detect.tiles import TiledDetector, tile_grid

# COCO calls an object under 32 × 32 px "small", where nano detectors find far fewer; a person
# shorter than this at the model's input is a person the camera will often miss.
SMALL_PERSON_PX = 32.0
# a spraying cue on more than this share of frames while nobody sprays is worth a look
CUE_SHARE = 0.02
# our model missing more than this share of the people COCO sees (over at least MIN_PEOPLE of
# them) is a camera whose workers the activity machines will often not see; COCO seeing nobody
# at more than this share of ours, a camera with something person-like in view
MISSED_SHARE = 0.25
MIN_PEOPLE = 5


def input_scale(detector: Detector, width: int, height: int) -> float:
    """Model-input pixels per frame pixel (letterbox), on a tile when the detector tiles."""
    in_h, in_w = detector.info.imgsz
    x1, y1, x2, y2 = (
        tile_grid(width, height, detector.cols, detector.rows, detector.overlap)[0]
        if isinstance(detector, TiledDetector)
        else (0.0, 0.0, float(width), float(height))
    )
    return min(in_w / (x2 - x1), in_h / (y2 - y1))


def advise(
    frames_with: Mapping[str, float],
    person_px: float | None,
    tiled: bool,
    people: tuple[int, int] | None = None,
    sweep_tiled: bool = False,
    ours: tuple[int, int] | None = None,
    motion_cropped: bool = False,
) -> list[str]:
    """What an installer should check (pure): FRAMES_WITH is the share of frames showing each
    class, PERSON_PX the median person height at the model's input, TILED whether it tiles,
    PEOPLE (seen by COCO, missed by ours) what the verifier's looks found, SWEEP_TILED and
    MOTION_CROPPED whether the verifier's sweep already looks at crops (a grid, around motion),
    OURS (our sure people, of them unseen by COCO) the converse."""
    out: list[str] = []
    if _disagree(people):
        seen, missed = people
        out.append(
            f"our model missed {missed} of the {seen} people the COCO verifier saw "
            f"({missed / seen:.0%}): keep pipeline.verifier.sweep_s on (it adds them), and "
            "label the uncertain frames (missed_person) for fine-tuning"
        )
    if _disagree(ours):
        sure, unseen = ours
        out.append(
            f"the COCO verifier saw no person at {unseen} of our model's {sure} people "
            f"({unseen / sure:.0%}): if nobody stood there (a scarecrow, a post, a parked "
            "drone's nozzle), label the uncertain frames (unconfirmed_person) as background for "
            "fine-tuning; a real worker COCO misses needs nothing"
        )
    if person_px is None:
        out.append(
            "no person was seen: walk through the plots during commissioning, or the camera "
            "cannot show whether anyone works there"
        )
    elif person_px < SMALL_PERSON_PX:
        out.append(
            f"people are {person_px:.0f} px tall at the model's input (< {SMALL_PERSON_PX:.0f}): "
            f"many will be missed; {_small_people_fix(tiled, sweep_tiled, motion_cropped)}"
        )
    for cue in ("spray_plume", "backpack_sprayer"):
        share = frames_with.get(cue, 0.0)
        if share > CUE_SHARE:
            out.append(
                f"{cue} on {share:.0%} of frames: if nobody sprayed while recording, "
                "these are false cues — keep the uncertain frames for labelling and raise "
                f"pipeline.detector.class_conf.{cue}"
            )
    return out


def _disagree(pair: tuple[int, int] | None) -> TypeGuard[tuple[int, int]]:
    """(people one model saw, of them the other did not) over MISSED_SHARE of MIN_PEOPLE+."""
    return pair is not None and pair[0] >= MIN_PEOPLE and pair[1] / pair[0] > MISSED_SHARE


def _small_people_fix(tiled: bool, sweep_tiled: bool, motion_cropped: bool) -> str:
    """The settings that find small people, cheapest first, then the camera itself."""
    if tiled:
        return "move or zoom the camera"
    # Measured on the real photos, people matched to hand-drawn boxes (docs/models.md): of the
    # 13 people 30–120 px tall at 1080p, the default sweep finds 0, on a 2 × 2 grid 2, and a
    # crop a third of the height centred on one 6 (if motion points at him: a walking worker).
    fixes = []
    if not motion_cropped:
        fixes.append(
            "set pipeline.verifier.sweep_motion_crop: 0.33 (the COCO sweep also looks at a "
            "crop around where the frame moved, one more look a second: walking workers)"
        )
    if not sweep_tiled:
        fixes.append(
            "pipeline.verifier.sweep_tiles: [2, 2] (the sweep also looks at a grid of crops, "
            "four more looks a second: workers standing still too)"
        )
    fixes.append(
        "pipeline.detector.tiles: [2, 2] to see their sprayers too (5 × the CPU on every frame)"
    )
    return "; ".join(fixes) + "; zooming the camera in on the plots helps most"
