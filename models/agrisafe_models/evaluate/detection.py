"""Detection metrics: mAP50 and mAP50-95 per class via ultralytics val (ONNX or .pt)."""

from pathlib import Path
from typing import Any

from agrisafe_models import CLASS_NAMES


def evaluate_detection(
    model: Path, data: Path, *, split: str = "test", imgsz: int = 320
) -> dict[str, Any]:
    """Validate MODEL on DATA's SPLIT; returns overall and per-class mAP as a JSON-ready dict."""
    from agrisafe_models.train import load_yolo

    yolo = load_yolo(model)
    metrics = yolo.val(
        data=str(data.resolve()),
        split=split,
        imgsz=imgsz,
        batch=1,
        device="cpu",
        plots=False,
        workers=0,
        verbose=False,
        rect=False,
    )
    box = metrics.box
    per_class: dict[str, dict[str, float]] = {}
    for k, cls in enumerate(box.ap_class_index):
        name = CLASS_NAMES[int(cls)] if int(cls) < len(CLASS_NAMES) else str(int(cls))
        per_class[name] = {"map50": float(box.ap50[k]), "map50_95": float(box.ap[k])}
    return {
        "model": str(model),
        "data": str(data),
        "split": split,
        "imgsz": imgsz,
        "map50": float(box.map50),
        "map50_95": float(box.map),
        "precision": float(box.mp),
        "recall": float(box.mr),
        "classes": per_class,
    }


def format_table(result: dict[str, Any]) -> str:
    """A plain-text table of RESULT (from evaluate_detection)."""
    lines = [f"{'class':<18}{'mAP50':>8}{'mAP50-95':>10}"]
    for name, m in result["classes"].items():
        lines.append(f"{name:<18}{m['map50']:>8.3f}{m['map50_95']:>10.3f}")
    lines.append(f"{'all':<18}{result['map50']:>8.3f}{result['map50_95']:>10.3f}")
    return "\n".join(lines)
