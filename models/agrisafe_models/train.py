"""Train a detector with ultralytics (the optional `train` extra; AGPL-3.0).

Training starts from the architecture yaml (`yolov8n.yaml`), never from downloaded weights, and
keeps `plots=False` (plotting fetches a font from the network).
"""

import importlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainSpec:
    """Training settings; `time_h` (hours) ends the run on its own and overrides `epochs`."""

    data: Path
    epochs: int = 100
    imgsz: int = 320
    batch: int = 16
    device: str = "cpu"
    workers: int = 1
    time_h: float | None = None
    project: Path = Path("var/runs")
    name: str = "agri-activity"
    model: str = "yolov8n.yaml"
    seed: int = 0
    patience: int = 100
    warmup_epochs: float = 1.0
    close_mosaic: int = 2
    threads: int | None = None  # CPU threads for torch; None: every core
    freeze: int | None = None  # first N layers kept as the base had them (fine-tuning)
    # A polishing stage from a trained checkpoint: SGD at this rate with no warm-up (ultralytics'
    # `auto` ignores lr0, and its warm-up starts the biases at 0.1); None: ultralytics decides.
    lr0: float | None = None
    mosaic: bool = True  # False: whole scenes only, as validation sees them


def load_yolo(weights: str | Path) -> Any:
    """An ultralytics YOLO model (imported here so the rest never needs ultralytics)."""
    # imported by name so this module type-checks with and without the `train` extra
    ultralytics = importlib.import_module("ultralytics")
    model: Any = ultralytics.YOLO(str(weights))
    return model


def _set_cpu_threads(threads: int | None) -> None:
    """Let torch use THREADS (default: all cores) on CPU.

    ultralytics resets torch to cpu_count - 1 threads when it selects the CPU, i.e. a single
    thread on the 2-core CI machines, which halves training speed there.
    """
    torch_utils = importlib.import_module("ultralytics.utils.torch_utils")
    vars(torch_utils)["NUM_THREADS"] = threads or os.cpu_count() or 1


def train(spec: TrainSpec) -> Path:
    """Run training and return the path of the best checkpoint (best.pt)."""
    model = load_yolo(spec.model)
    if spec.device == "cpu":
        _set_cpu_threads(spec.threads)
    extra: dict[str, Any] = {} if spec.time_h is None else {"time": spec.time_h}
    if spec.freeze is not None:
        extra["freeze"] = spec.freeze
    warmup = spec.warmup_epochs
    if spec.lr0 is not None:
        extra |= {"optimizer": "SGD", "lr0": spec.lr0}
        warmup = 0.0
    if not spec.mosaic:
        extra["mosaic"] = 0.0
    model.train(
        data=str(spec.data.resolve()),
        epochs=spec.epochs,
        imgsz=spec.imgsz,
        batch=spec.batch,
        device=spec.device,
        workers=spec.workers,
        project=str(spec.project.resolve()),
        name=spec.name,
        exist_ok=True,
        seed=spec.seed,
        deterministic=False,
        plots=False,
        amp=False,
        patience=spec.patience,
        warmup_epochs=warmup,
        close_mosaic=spec.close_mosaic,
        # From a .yaml nothing is loaded; from a checkpoint its weights must be (ultralytics
        # silently trains from scratch with pretrained=False, even when given a .pt).
        pretrained=str(spec.model).endswith(".pt"),
        verbose=True,
        **extra,
    )
    best = spec.project.resolve() / spec.name / "weights" / "best.pt"
    logger.info("training done: %s", best)
    return best
