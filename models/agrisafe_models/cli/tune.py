"""`agrisafe models` commands that learn from a base's own footage: label import, fine-tuning."""

from pathlib import Path

import typer

from agrisafe.cli.errors import require_paths
from agrisafe.logs import setup_logging
from agrisafe_models.cli.evaluate import DEFAULT_MODEL

FORMATS = ("yolo", "coco", "cvat", "label-studio")


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
    from agrisafe_models.labels.holdout import real_dev_hashes

    if fmt not in FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    require_paths(source)
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
        summary = write_dataset(
            items, root, out, parse_mapping(mapping), val_share=val_share, holdout=real_dev_hashes()
        )
    except (parse.LabelError, OSError, ValueError) as err:  # ValueError: a bad real-dev CSV row
        typer.echo(f"error: {source}: {err}", err=True)
        raise typer.Exit(2) from err
    typer.echo(json.dumps(dataclasses.asdict(summary), indent=2, ensure_ascii=False))
    for n, what in (
        (len(summary.evaluation_photos), "real-dev evaluation photo(s) left out"),
        (len(summary.refused_files), "link(s) or non-regular file(s) not imported"),
    ):
        if n:
            typer.echo(f"warning: {n} {what} (see the summary)", err=True)


def _refuse_evaluation_photos(data: Path) -> None:
    """Exit 2 when the dataset holds a real-dev evaluation photo: the gate would score the
    candidate on photos it was trained on."""
    from agrisafe_models.labels.holdout import dataset_images, holdout_hits, real_dev_hashes

    hits = holdout_hits(dataset_images(data), real_dev_hashes())
    for path, photo in hits:
        typer.echo(f"error: {path} is the real-dev evaluation photo {photo}", err=True)
    if hits:
        typer.echo(f"error: {data}: remove the {len(hits)} evaluation photo(s) first", err=True)
        raise typer.Exit(2)


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
    require_paths(base, data, rendered, base_onnx, real_set, real_labels)
    _refuse_evaluation_photos(data)
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
