"""`agrisafe models` commands that measure: rendered and real-photo evaluation, calibration and
the drift profile."""

from pathlib import Path

import typer

from agrisafe.cli.errors import require_paths
from agrisafe.logs import setup_logging

MODELS_DIR = Path(__file__).resolve().parents[2]  # the repository's models/ folder
DEFAULT_MODEL = MODELS_DIR / "agri-activity-v2" / "model.onnx"
COCO_MODEL = MODELS_DIR / "yolov8n-coco" / "model.onnx"


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
    require_paths(model, data)
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
    require_paths(model, labels, boxes, set_dir)
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
