"""Export a trained checkpoint to ONNX (fixed input, no NMS, simplified, pinned opset).

Besides ultralytics' own metadata (names, imgsz, stride, task, …) the file carries `family`,
`model_name`, `model_version` and `names_json` (the class names as a JSON list), which the edge
reads to map class ids to names.
"""

import json
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path

from agrisafe_models import CLASS_NAMES, MODEL_FAMILY, MODEL_NAME, MODEL_VERSION

logger = logging.getLogger(__name__)

OPSET = 17


def project_metadata(
    names: tuple[str, ...] = CLASS_NAMES, version: str = MODEL_VERSION
) -> dict[str, str]:
    """The metadata this project adds to every exported model."""
    return {
        "family": MODEL_FAMILY,
        "model_name": MODEL_NAME,
        "model_version": version,
        "names_json": json.dumps(list(names)),
    }


def read_metadata(path: Path) -> dict[str, str]:
    """The ONNX file's metadata properties as a dict."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return {p.key: p.value for p in model.metadata_props}


def write_metadata(path: Path, extra: Mapping[str, str]) -> None:
    """Add or replace metadata properties in the ONNX file at PATH."""
    import onnx

    model = onnx.load(str(path))
    props = {p.key: p.value for p in model.metadata_props}
    props.update(extra)
    del model.metadata_props[:]
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    model.producer_name = "agrisafe"
    model.graph.name = MODEL_NAME
    onnx.save(model, str(path))


def export_onnx(
    weights: Path, out: Path, *, imgsz: int = 320, opset: int = OPSET, version: str = MODEL_VERSION
) -> Path:
    """Export WEIGHTS (a .pt checkpoint) to OUT and stamp the project metadata."""
    from agrisafe_models.train import load_yolo

    model = load_yolo(weights)
    names = tuple(model.names[i] for i in sorted(model.names))
    exported = Path(
        str(
            model.export(
                format="onnx",
                imgsz=imgsz,
                opset=opset,
                simplify=True,
                nms=False,
                dynamic=False,
                half=False,
                device="cpu",
            )
        )
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    if exported.resolve() != out.resolve():
        shutil.copyfile(exported, out)
    write_metadata(out, project_metadata(names, version))
    logger.info("exported %s → %s (%.1f MB)", weights, out, out.stat().st_size / 1e6)
    return out
