"""What a measurement ran on, so that a figure can be checked against its machine.

A model card's numbers move with the CPU: onnxruntime picks its kernels by the vector
instructions the CPU has (AVX-512 or AVX2 on x86), and those round their sums differently, so a
score near a threshold can fall either side and a clip's events change (seen: the 20 rendered
clips of agri-activity-v2 give recall 0.733 on an AVX-512 box and 0.667 on another). They move
with the libraries' versions too. Every evaluation and benchmark JSON records both.
"""

import importlib
import os
import platform
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

# The instruction sets onnxruntime's CPU kernels choose between (x86 and Arm), as /proc/cpuinfo
# spells them, and as numpy's run-time CPU detection does (None: numpy does not report it).
ISA = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "asimd", "sve")
NUMPY_NAMES = {
    "avx2": "AVX2",
    "fma": "FMA3",
    "avx512f": "AVX512F",
    "avx512_vnni": "AVX512VNNI",
    "avx512_bf16": "AVX512BF16",
    "amx_tile": None,
    "asimd": "ASIMD",
    "sve": "SVE",
}
PACKAGES = ("numpy", "onnxruntime", "onnx", "opencv-python-headless", "opencv-python")


def cpu_model(cpuinfo: str) -> str | None:
    """The CPU's name in /proc/cpuinfo's text (x86 'model name', Arm 'Model'), or None."""
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("model name", "Model") and value.strip():
            return value.strip()
    return None


def isa_of(cpuinfo: str) -> list[str]:
    """Which of ISA the first CPU in /proc/cpuinfo's text has ('flags' on x86, 'Features' on
    Arm), in ISA's order."""
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("flags", "Features"):
            have = set(value.split())
            return [name for name in ISA if name in have]
    return []


def isa_from_features(features: Mapping[str, bool]) -> list[str]:
    """Which of ISA numpy's run-time detection (CPUID itself) found, in ISA's order."""
    return [n for n in ISA if (k := NUMPY_NAMES[n]) is not None and features.get(k, False)]


def _numpy_features() -> Mapping[str, bool] | None:
    """numpy's run-time CPU features, or None (no numpy, or a numpy that keeps them elsewhere).
    Preferred to /proc/cpuinfo: they come from CPUID, so an emulated CPU (qemu-user, which
    passes the host's /proc/cpuinfo through) reports what the code really runs on."""
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # 2.x, 1.x
        try:
            features = getattr(importlib.import_module(module), "__cpu_features__", None)
        except ImportError:
            continue
        if isinstance(features, dict):
            return features
    return None


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def fingerprint(cpuinfo: Path = Path("/proc/cpuinfo"), use_numpy: bool = True) -> dict[str, Any]:
    """The machine and the libraries a measurement ran with: the instruction sets from numpy's
    run-time detection where USE_NUMPY and it has them, else from CPUINFO (unreadable: none;
    the rest is still known)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        text = ""
    features = _numpy_features() if use_numpy else None
    return {
        "python": platform.python_version(),
        "system": f"{sys.platform} {platform.machine()}",
        "cpu": cpu_model(text) or platform.processor() or None,
        "cpus": os.cpu_count(),
        "isa": isa_of(text) if features is None else isa_from_features(features),
        "packages": {name: _version(name) for name in PACKAGES},
    }
