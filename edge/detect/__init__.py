"""Detector port and its adapters (onnxruntime; ultralytics for .pt, only when installed)."""

from edge.detect.base import Detection, Detector, ModelInfo, load_detector

__all__ = ["Detection", "Detector", "ModelInfo", "load_detector"]
