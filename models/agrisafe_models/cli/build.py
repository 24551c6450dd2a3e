"""`agrisafe models` commands that make things: rendered data and clips, training, export, INT8."""

from pathlib import Path

import typer

from agrisafe.logs import setup_logging


def render_dataset(
    out: Path = typer.Option(..., help="output folder (images/, labels/, data.yaml)"),
    images: int = typer.Option(3000, help="training images"),
    seed: int = typer.Option(0, help="base seed; splits use disjoint ranges from it"),
    val: int | None = typer.Option(None, help="validation images (default images/10)"),
    test: int | None = typer.Option(None, help="test images (default images/10)"),
    width: int = typer.Option(384, help="image width in pixels"),
    height: int = typer.Option(216, help="image height in pixels"),
    hard_negatives: float = typer.Option(
        0.0, help="share of training images with spray look-alikes (renderer v2; 0: v1)"
    ),
    texture: bool = typer.Option(False, help="photographic texture on training backgrounds"),
    spray: bool = typer.Option(
        False, help="v3: lit, drifting plumes and spray drones at work on training images"
    ),
    camera: bool = typer.Option(
        False, help="v3: IR-cut switching, banding, lens dirt, blocking on training images"
    ),
    far_people: bool = typer.Option(
        False, help="v3: people far off (4-12 % of the frame height) on training images"
    ),
    photo_ground: bool = typer.Option(
        False, help="v3: real soil grain (models/backgrounds, CC BY 4.0) on training images"
    ),
    near_people: bool = typer.Option(
        False, help="v3: a person close to the camera, cut off by the frame, on 30 % of them"
    ),
) -> None:
    """Render a YOLO-format dataset of labelled farm scenes."""
    from agrisafe_models.render.compose import Realism
    from agrisafe_models.render.dataset import DatasetSpec, write_dataset

    setup_logging("INFO")
    tenth = max(1, images // 10)
    spec = DatasetSpec(
        out,
        images,
        tenth if val is None else val,
        tenth if test is None else test,
        seed,
        width,
        height,
        Realism(
            hard=hard_negatives,
            texture=texture,
            spray=spray,
            camera=camera,
            far=far_people,
            photo=photo_ground,
            near=near_people,
        ),
    )
    typer.echo(str(write_dataset(spec)))


def train(
    data: Path = typer.Option(..., help="dataset data.yaml (YOLO format)"),
    epochs: int = typer.Option(100, help="epochs (ignored when --time is set)"),
    time: float | None = typer.Option(None, help="training budget in hours; ends the run"),
    imgsz: int = typer.Option(320, help="square input size in pixels"),
    batch: int = typer.Option(16, help="batch size"),
    device: str = typer.Option("cpu", help="'cpu' or a CUDA device number"),
    workers: int = typer.Option(1, help="data-loader worker processes"),
    project: Path = typer.Option(Path("var/runs"), help="runs folder"),
    name: str = typer.Option("agri-activity", help="run name (folder under --project)"),
    model: str = typer.Option("yolov8n.yaml", help="architecture yaml or checkpoint to start from"),
    seed: int = typer.Option(0, help="training seed"),
) -> None:
    """Train the detector (needs the `train` extra); prints the best checkpoint's path."""
    from agrisafe_models.train import TrainSpec
    from agrisafe_models.train import train as run_training

    setup_logging("INFO")
    spec = TrainSpec(
        data=data,
        epochs=epochs,
        imgsz=imgsz,
        batch=batch,
        device=device,
        workers=workers,
        time_h=time,
        project=project,
        name=name,
        model=model,
        seed=seed,
    )
    typer.echo(str(run_training(spec)))


def render_clip(
    seed: int = typer.Option(..., help="clip seed (held-out clips: 3_000_000 and up)"),
    activity: str = typer.Option("spraying", help="spraying, harvesting or none"),
    seconds: float = typer.Option(30.0, help="clip length in seconds"),
    out: Path = typer.Option(..., help="MP4 file to write"),
    truth: Path = typer.Option(..., help="ground-truth JSON file to write"),
    width: int = typer.Option(1280, help="frame width"),
    height: int = typer.Option(720, help="frame height"),
    fps: int = typer.Option(25, help="frames per second"),
) -> None:
    """Render an MP4 clip of a farm scene and its ground-truth activity intervals."""
    from agrisafe_models.render.clips import render_clip as render

    setup_logging("INFO")
    result = render(
        out, seed=seed, activity=activity, seconds=seconds, width=width, height=height, fps=fps
    )
    truth.parent.mkdir(parents=True, exist_ok=True)
    truth.write_text(result.model_dump_json(indent=2) + "\n")
    typer.echo(str(out))


def export(
    weights: Path = typer.Option(..., help="trained checkpoint (best.pt)"),
    out: Path = typer.Option(..., help="ONNX file to write"),
    imgsz: int = typer.Option(320, help="fixed square input size"),
    version: str = typer.Option("1.0.0", help="model_version stamped in the metadata"),
    int8: Path | None = typer.Option(None, help="also write a static INT8 (QDQ) copy here"),
    int8_mode: str = typer.Option("float-decode", help="full, float-decode or float-head"),
    calibration: int = typer.Option(200, help="rendered frames used to calibrate INT8"),
) -> None:
    """Export to ONNX (fixed input, no NMS, simplified, opset 17) and optionally INT8."""
    from agrisafe_models.export import export_onnx
    from agrisafe_models.quantize import quantize_int8

    setup_logging("INFO")
    typer.echo(str(export_onnx(weights, out, imgsz=imgsz, version=version)))
    if int8 is not None:
        typer.echo(
            str(quantize_int8(out, int8, imgsz=imgsz, calibration=calibration, mode=int8_mode))
        )


def quantize(
    model: Path = typer.Option(..., help="FP32 ONNX model (from `export`)"),
    out: Path = typer.Option(..., help="INT8 ONNX file to write"),
    imgsz: int = typer.Option(320, help="the model's input size"),
    mode: str = typer.Option("float-decode", help="full, float-decode or float-head"),
    calibration: int = typer.Option(200, help="rendered frames used to calibrate"),
) -> None:
    """Static INT8 (QDQ) quantisation calibrated on rendered frames."""
    from agrisafe_models.quantize import quantize_int8

    setup_logging("INFO")
    typer.echo(str(quantize_int8(model, out, imgsz=imgsz, calibration=calibration, mode=mode)))
