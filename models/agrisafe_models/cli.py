"""`agrisafe models …`: render data and clips, train, export, quantise and evaluate the detector.

Plugged into `agrisafe` through the `agrisafe.commands` entry points (pyproject.toml).
"""

from pathlib import Path

import typer

from agrisafe.cli.helptext import command_group
from agrisafe.cli.plugins import require_modules
from agrisafe.logs import setup_logging

# The models extra (train needs more, checked when it runs).
require_modules("numpy", "cv2", "onnx", "onnxruntime")

app = command_group(
    "Reference activity detector: rendered data, training, ONNX export and evaluation."
)


@app.command("render-dataset")
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


@app.command("train")
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


@app.command("render-clip")
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


@app.command("export")
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


@app.command("quantize")
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


@app.command("eval")
def evaluate(
    model: Path = typer.Option(..., help="ONNX model (or .pt checkpoint)"),
    data: Path | None = typer.Option(None, help="dataset data.yaml for detection mAP"),
    split: str = typer.Option("test", help="dataset split"),
    imgsz: int = typer.Option(320, help="input size"),
    clips: int = typer.Option(0, help="held-out clips for activity evaluation (needs the edge)"),
    clip_seconds: float = typer.Option(30.0, help="length of each clip"),
    clip_dir: Path = typer.Option(Path("var/eval-clips"), help="where clips are rendered"),
    clip_width: int = typer.Option(1280, help="clip frame width (smaller renders faster)"),
    clip_height: int = typer.Option(720, help="clip frame height"),
    hard: int = typer.Option(0, help="rendered hard negatives to count false spraying cues on"),
    hard_renderer: str = typer.Option(
        "v2", help="hard negatives from renderer v2, or v3 (camera artefacts, far people)"
    ),
    json_out: Path | None = typer.Option(None, "--json", help="write the results as JSON here"),
) -> None:
    """Detection mAP per class on a rendered split, false cues on rendered hard negatives and/or
    activity scores on held-out clips."""
    import json

    setup_logging("INFO")
    for path in (model, data):
        if path is not None and not path.exists():
            typer.echo(f"error: {path} does not exist", err=True)
            raise typer.Exit(2)
    result: dict[str, object] = {}
    if data is not None:
        from agrisafe_models.evaluate.detection import evaluate_detection, format_table

        det = evaluate_detection(model, data, split=split, imgsz=imgsz)
        typer.echo(format_table(det))
        result["detection"] = det
    if hard > 0:
        from agrisafe_models.evaluate.hard import HARD_SETS, evaluate_hard
        from edge.detect import load_detector
        from edge.params import DetectorParams

        if hard_renderer not in HARD_SETS:
            typer.echo(f"error: --hard-renderer must be one of {sorted(HARD_SETS)}", err=True)
            raise typer.Exit(2)
        detector = load_detector(model, DetectorParams())
        result["hard"] = evaluate_hard(detector, hard, realism=HARD_SETS[hard_renderer])
        typer.echo(json.dumps({"hard": result["hard"]}))
    if clips > 0:
        plan = (clips, clip_seconds, clip_width, clip_height)
        result["activity"] = _activity(model, clip_dir, plan)
    if json_out is not None:
        from agrisafe.machine import fingerprint

        result["machine"] = fingerprint()  # the figures move with the CPU's kernels
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2) + "\n")


def _activity(model: Path, workdir: Path, plan: tuple[int, float, int, int]) -> dict[str, object]:
    from agrisafe_models.evaluate.activity import (
        ClipPlan,
        EdgeUnavailable,
        edge_pipeline,
        evaluate_clips,
    )

    try:
        pipeline = edge_pipeline(model)
    except EdgeUnavailable as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    workdir.mkdir(parents=True, exist_ok=True)
    clips, seconds, width, height = plan
    report = evaluate_clips(
        pipeline, ClipPlan(workdir, clips=clips, seconds=seconds, width=width, height=height)
    )
    typer.echo(
        f"activity: precision {report['precision']:.3f} recall {report['recall']:.3f} "
        f"mean IoU {report['mean_iou']:.3f} over {clips} clips"
    )
    return report


DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "agri-activity-v2" / "model.onnx"
COCO_MODEL = Path(__file__).resolve().parents[1] / "yolov8n-coco" / "model.onnx"


@app.command("calibrate")
def calibrate(
    model: Path = typer.Option(..., help="ONNX model; calibration.json goes beside it"),
    images: int = typer.Option(600, min=10, help="held-out stills to fit on (as many to judge)"),
    out: Path | None = typer.Option(None, help="folder for the files (default: the model's)"),
) -> None:
    """Fit score → probability maps per class; write calibration.json, a report and a diagram."""
    import json

    from agrisafe_models.calibrate import write_calibration

    setup_logging("INFO")
    if not model.is_file():
        typer.echo(f"error: {model} does not exist", err=True)
        raise typer.Exit(2)
    report = write_calibration(model, out or model.parent, images)
    summary = {k: (v["n"], v["ece_raw"], v["ece_calibrated"]) for k, v in report.items()}
    typer.echo(json.dumps({"n, ece raw, ece calibrated": summary}))


def _grid(text: str | None) -> list[str] | None:
    """'2x2' → ['2', '2'] for a tiles field (pydantic checks the numbers)."""
    return text.split("x") if text else None


@app.command("eval-real")
def eval_real(
    set_dir: Path | None = typer.Option(
        None, "--set", help="folder of the real photos (../shared/real-dev); package photos always"
    ),
    model: Path = typer.Option(DEFAULT_MODEL, help="ONNX detector to evaluate"),
    labels: Path | None = typer.Option(
        None, help="labels CSV (default models/real-dev/labels.csv)"
    ),
    boxes: Path | None = typer.Option(
        None, help="people boxed by hand (default models/real-dev/people-boxes.csv)"
    ),
    reference: Path | None = typer.Option(
        COCO_MODEL, help="COCO ONNX model: people misnamed, and the verifier's second opinion"
    ),
    verifier: bool = typer.Option(False, help="apply the edge's COCO verifier to cue frames"),
    sweep: bool = typer.Option(
        True, help="with --verifier: add the people COCO sees and ours missed, as the edge does"
    ),
    tiles: str | None = typer.Option(
        None, help="COLSxROWS: also detect on overlapping crops, as `detector.tiles` (e.g. 2x2)"
    ),
    sweep_tiles: str | None = typer.Option(
        None, help="COLSxROWS: the sweep's COCO look also on crops, as `verifier.sweep_tiles`"
    ),
    sweep_input: int | None = typer.Option(
        None, help="the sweep's COCO look at this input size, as `verifier.sweep_input` (e.g. 640)"
    ),
    json_out: Path | None = typer.Option(None, "--json", help="write the results as JSON here"),
    draw: Path | None = typer.Option(
        None, help="write each photo here with people found / missed / false drawn on it"
    ),
) -> None:
    """Real photos: cue recall / false cues, `person` recall, people called livestock/drone."""
    import json

    from agrisafe_models.evaluate.people import BOXES, read_boxes
    from agrisafe_models.evaluate.real import LABELS, Scorer, evaluate_real, read_labels
    from edge.detect import load_detector
    from edge.detect.verifier import OnnxVerifier
    from edge.params import DetectorParams, VerifierParams

    setup_logging("INFO")
    for path in (model, labels, boxes, set_dir):
        if path is not None and not path.exists():
            typer.echo(f"error: {path} does not exist", err=True)
            raise typer.Exit(2)
    try:
        det = DetectorParams.model_validate({"tiles": _grid(tiles)})
        params = VerifierParams.model_validate(
            {
                "sweep_s": 1.0 if sweep else 0,
                "sweep_tiles": _grid(sweep_tiles),
                "sweep_input": sweep_input,
            }
        )
    except ValueError as err:
        given = f"--tiles {tiles} / --sweep-tiles {sweep_tiles} / --sweep-input {sweep_input}"
        typer.echo(f"error: {given}: {err}", err=True)
        raise typer.Exit(2) from err
    detector = load_detector(model, det)
    ref = None
    if reference is not None and reference.is_file():
        ref = OnnxVerifier(reference, params, detector)
    scorer = Scorer(detector, ref, verifier, params, draw)
    result = evaluate_real(
        read_labels(labels or LABELS), set_dir, scorer, read_boxes(boxes or BOXES)
    )
    from agrisafe.machine import fingerprint

    result["machine"] = fingerprint()  # the figures move with the CPU's kernels
    text = json.dumps(result, indent=2) + "\n"
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text)
    typer.echo(json.dumps(result["summary"], indent=2))


@app.command("profile")
def profile(
    model: Path = typer.Option(DEFAULT_MODEL, help="ONNX detector"),
    images: int = typer.Option(300, help="rendered validation stills (seeds 1 000 000 + i)"),
    out: Path | None = typer.Option(None, help="JSON to write (default profile.json beside it)"),
) -> None:
    """The drift reference profile the edge compares live statistics with."""
    from agrisafe_models.profile import build_profile, write_profile

    setup_logging("INFO")
    target = out or model.with_name("profile.json")
    typer.echo(str(write_profile(build_profile(model, images=images), target)))


FORMATS = ("yolo", "coco", "cvat", "label-studio")


@app.command("import-labels")
def import_labels(
    fmt: str = typer.Option(..., "--format", help="yolo, coco, cvat or label-studio"),
    source: Path = typer.Option(
        ..., "--input", help="the export: a JSON/XML file, or a YOLO folder"
    ),
    images: Path | None = typer.Option(
        None, help="folder with the images (default: beside the export)"
    ),
    out: Path = typer.Option(..., help="dataset folder to write (images/, labels/, data.yaml)"),
    mapping: list[str] = typer.Option(
        [], "--map", help="NAME=CLASS: the export's class NAME is our CLASS (repeatable)"
    ),
    val_share: float = typer.Option(0.2, min=0.0, max=1.0, help="share of images for val"),
) -> None:
    """Labelled frames from YOLO, COCO JSON, CVAT XML or Label Studio JSON into our dataset."""
    import dataclasses
    import json

    from agrisafe_models.labels import parse
    from agrisafe_models.labels.dataset import parse_mapping, read_yolo_export, write_dataset

    if fmt not in FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    if not source.exists():
        typer.echo(f"error: {source} does not exist", err=True)
        raise typer.Exit(2)
    try:
        if fmt == "yolo":
            items = read_yolo_export(source)
        else:
            data = source.read_bytes()
            reader = {
                "coco": parse.parse_coco,
                "cvat": parse.parse_cvat,
                "label-studio": parse.parse_label_studio,
            }[fmt]
            items = reader(data)
        root = images or (source if source.is_dir() else source.parent)
        summary = write_dataset(items, root, out, parse_mapping(mapping), val_share=val_share)
    except (parse.LabelError, OSError) as err:
        typer.echo(f"error: {source}: {err}", err=True)
        raise typer.Exit(2) from err
    typer.echo(json.dumps(dataclasses.asdict(summary), indent=2, ensure_ascii=False))


@app.command("finetune")
def finetune(
    base: Path = typer.Option(..., help="checkpoint to start from (.pt)"),
    data: Path = typer.Option(..., help="the base's labelled footage (data.yaml)"),
    rendered: Path = typer.Option(..., help="rendered set data.yaml (render-dataset)"),
    base_onnx: Path = typer.Option(DEFAULT_MODEL, help="the shipped model, scored as the base"),
    real_set: Path | None = typer.Option(None, help="folder of the real photos"),
    real_labels: Path | None = typer.Option(None, help="real photo labels CSV"),
    out: Path = typer.Option(Path("var/finetune"), help="runs, candidate, gate.json, model"),
    epochs: int = typer.Option(30, min=1, help="epochs"),
    imgsz: int = typer.Option(320, help="input size"),
    device: str = typer.Option("cpu", help="'cpu' or a CUDA device number"),
    int8: bool = typer.Option(False, help="also write an INT8 copy of a shipped model"),
    freeze: int | None = typer.Option(
        None, min=0, help="freeze the base's first N layers (YOLOv8: 10 backbone, 22 all but head)"
    ),
    time_h: float | None = typer.Option(
        None, min=0.01, help="stop training after this many hours (overrides --epochs)"
    ),
    lr0: float | None = typer.Option(
        None, min=1e-6, max=0.1, help="a polishing stage: SGD at this rate, no warm-up"
    ),
    mosaic: bool = typer.Option(True, help="--no-mosaic: whole scenes only, as validation sees"),
) -> None:
    """Fine-tune from --base on --data; ship only if no worse on the rendered and real sets."""
    from agrisafe_models.finetune import FinetuneSpec, training_available
    from agrisafe_models.finetune import finetune as run

    setup_logging("INFO")
    for path in (base, data, rendered, base_onnx, real_set, real_labels):
        if path is not None and not path.exists():
            typer.echo(f"error: {path} does not exist", err=True)
            raise typer.Exit(2)
    if not training_available():
        typer.echo(
            "error: fine-tuning needs the train extra: pip install 'agrisafe[train]'", err=True
        )
        raise typer.Exit(2)
    spec = FinetuneSpec(
        base,
        base_onnx,
        data,
        rendered,
        real_labels,
        real_set,
        out,
        epochs,
        imgsz,
        device,
        int8,
        freeze=freeze,
        time_h=time_h,
        lr0=lr0,
        mosaic=mosaic,
    )
    decision, shipped = run(spec)
    if shipped is None:
        for reason in decision.reasons:
            typer.echo(f"refused: {reason}", err=True)
        raise typer.Exit(3)
    typer.echo(str(shipped))
