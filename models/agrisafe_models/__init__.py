"""Reference activity detector: procedural farm-scene renderer, training, export and evaluation.

The class order below is a contract with the edge (it maps class ids to names through the ONNX
metadata, but rules refer to these names): append new classes at the end, never reorder.
"""

CLASS_NAMES: tuple[str, ...] = (
    "person",
    "backpack_sprayer",
    "spray_plume",
    "tractor",
    "drone",
    "harvest_crate",
    "livestock",
)
MODEL_NAME = "agri-activity"
MODEL_VERSION = "1.0.0"
MODEL_FAMILY = "yolov8"


def class_id(name: str) -> int:
    """The class id of NAME (ValueError if it is not one of CLASS_NAMES)."""
    return CLASS_NAMES.index(name)
