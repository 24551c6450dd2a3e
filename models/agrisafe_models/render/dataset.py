"""Write a YOLO-format dataset of rendered stills: images/, labels/, data.yaml.

Splits come from disjoint seed ranges so no image is shared between them: image i of the train
split uses seed `seed + i`, val uses `seed + 1_000_000 + i`, test uses `seed + 2_000_000 + i`
(clips for activity evaluation use seeds from 3_000_000 up, see `clips`).
Renderer v2/v3 (`realism`: hard negatives, texture, lit spray, camera artefacts) applies to the
train split only: val and test stay v1 images, so a model trained on v2 or v3 is scored on the
same rendered set as v1 was.
"""

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import yaml

from agrisafe_models import CLASS_NAMES
from agrisafe_models.render.compose import V1, Label, Realism, render_still
from agrisafe_models.render.photo import ATTRIBUTION

logger = logging.getLogger(__name__)

SPLIT_OFFSETS = {"train": 0, "val": 1_000_000, "test": 2_000_000}
CLIP_SEED_OFFSET = 3_000_000


@dataclass(frozen=True)
class DatasetSpec:
    """What to render: image counts per split, base seed and image size."""

    out: Path
    train: int
    val: int
    test: int
    seed: int = 0
    width: int = 384
    height: int = 216
    realism: Realism = V1


def yolo_lines(labels: list[Label], width: int, height: int) -> list[str]:
    """Labels as YOLO text lines: `class cx cy w h`, normalised to 0..1."""
    lines = []
    for cls, (x1, y1, x2, y2) in labels:
        cx, cy = (x1 + x2) / 2 / width, (y1 + y2) / 2 / height
        bw, bh = (x2 - x1) / width, (y2 - y1) / height
        lines.append(f"{cls} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}")
    return lines


def write_dataset(spec: DatasetSpec) -> Path:
    """Render every split of SPEC and return the path of its data.yaml."""
    out = spec.out.resolve()
    counts = {"train": spec.train, "val": spec.val, "test": spec.test}
    for split, n in counts.items():
        img_dir, lbl_dir = out / "images" / split, out / "labels" / split
        img_dir.mkdir(parents=True, exist_ok=True)
        lbl_dir.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            seed = spec.seed + SPLIT_OFFSETS[split] + i
            realism = spec.realism if split == "train" else V1
            img, labels = render_still(seed, spec.width, spec.height, realism)
            name = f"{seed:08d}"
            cv2.imwrite(str(img_dir / f"{name}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
            text = "\n".join(yolo_lines(labels, spec.width, spec.height))
            (lbl_dir / f"{name}.txt").write_text(text + ("\n" if text else ""))
        logger.info("rendered %d %s images into %s", n, split, img_dir)
    data = {
        "path": str(out),
        "train": "images/train",
        "val": "images/val",
        "test": "images/test",
        "names": dict(enumerate(CLASS_NAMES)),
        "seed": spec.seed,
        "counts": counts,
        "renderer": {
            "train": asdict(spec.realism),
            "val_test": "v1",
        },
    }
    if spec.realism.photo:
        data["attribution"] = ATTRIBUTION
    yaml_path = out / "data.yaml"
    yaml_path.write_text(yaml.safe_dump(data, sort_keys=False))
    return yaml_path
