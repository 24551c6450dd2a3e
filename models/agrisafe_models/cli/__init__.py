"""`agrisafe models …`: render data and clips, train, export, quantise and evaluate the detector.

Plugged into `agrisafe` through the `agrisafe.commands` entry points (pyproject.toml). The
commands live by what they do: build (data, training, export), evaluate (measurement), tune
(a base's own labels and fine-tuning).
"""

from agrisafe.cli.helptext import command_group
from agrisafe.cli.plugins import require_modules

# The models extra (train needs more, checked when it runs).
require_modules("numpy", "cv2", "onnx", "onnxruntime")

from agrisafe_models.cli import build, evaluate, tune  # noqa: E402  (after the check above)

app = command_group(
    "Reference activity detector: rendered data, training, ONNX export and evaluation."
)

app.command("render-dataset")(build.render_dataset)
app.command("render-clip")(build.render_clip)
app.command("train")(build.train)
app.command("export")(build.export)
app.command("quantize")(build.quantize)
app.command("eval")(evaluate.evaluate)
app.command("eval-real")(evaluate.eval_real)
app.command("calibrate")(evaluate.calibrate)
app.command("profile")(evaluate.profile)
app.command("import-labels")(tune.import_labels)
app.command("finetune")(tune.finetune)
