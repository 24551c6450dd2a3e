"""The machine fingerprint every evaluation records: parsed from /proc/cpuinfo's two spellings."""

import platform
from pathlib import Path

from agrisafe.machine import _numpy_features, cpu_model, fingerprint, isa_from_features, isa_of

X86 = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 9R14 96-Core Processor
flags\t\t: fpu vme sse2 avx fma avx2 avx512f avx512dq avx512_vnni avx512_bf16
processor\t: 1
model name\t: ignored: only the first CPU counts
flags\t\t: fpu
"""
X86_AVX2 = "model name\t: Intel(R) Xeon(R) CPU E5-2686 v4\nflags\t\t: sse2 avx fma avx2 f16c\n"
ARM = (
    "processor\t: 0\nFeatures\t: fp asimd evtstrm aes sve\nCPU implementer\t: 0x41\n"
    "\nModel\t: Raspberry Pi 5\n"
)


def test_the_vector_instructions_onnxruntime_chooses_by() -> None:
    assert isa_of(X86) == ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"]
    assert isa_of(X86_AVX2) == ["avx2", "fma"]  # no AVX-512: other kernels, other roundings
    assert isa_of(ARM) == ["asimd", "sve"]
    assert isa_of("") == []
    # a flag that merely starts with a known name is not that name
    assert isa_of("flags : avx512fx avx2x\n") == []


def test_the_cpu_s_name() -> None:
    assert cpu_model(X86) == "AMD EPYC 9R14 96-Core Processor"
    assert cpu_model(ARM) == "Raspberry Pi 5"
    assert cpu_model("model name\t:   \n") is None
    assert cpu_model("no colon here") is None


def test_numpy_s_run_time_detection_spelt_as_the_kernels_choose() -> None:
    haswell = {"AVX": True, "AVX2": True, "FMA3": True, "AVX512F": False, "SSE42": True}
    assert isa_from_features(haswell) == ["avx2", "fma"]
    skx = haswell | {"AVX512F": True, "AVX512VNNI": True}
    assert isa_from_features(skx) == ["avx2", "fma", "avx512f", "avx512_vnni"]
    assert isa_from_features({"ASIMD": True, "SVE": False}) == ["asimd"]
    assert isa_from_features({}) == []


def test_fingerprint_without_cpuinfo_still_names_the_libraries(tmp_path: Path) -> None:
    got = fingerprint(tmp_path / "absent", use_numpy=False)
    assert got["isa"] == []
    assert got["packages"]["numpy"]  # installed with every extra
    assert got["python"].count(".") == 2
    (tmp_path / "cpuinfo").write_text(X86_AVX2)
    assert fingerprint(tmp_path / "cpuinfo", use_numpy=False)["isa"] == ["avx2", "fma"]
    assert fingerprint(tmp_path / "cpuinfo")["cpu"] == "Intel(R) Xeon(R) CPU E5-2686 v4"


def test_the_instruction_sets_come_from_cpuid_where_numpy_has_them(tmp_path: Path) -> None:
    """On x86 every CPU onnxruntime runs on has SSE2; numpy's detection, not a cpuinfo file
    that says otherwise (qemu-user passes the host's through), names what the code runs on."""
    (tmp_path / "cpuinfo").write_text(ARM)
    got = fingerprint(tmp_path / "cpuinfo")["isa"]
    features = _numpy_features()
    assert features is not None  # numpy 1.26 and 2.x both keep them
    assert got == isa_from_features(features)
    assert got != ["asimd", "sve"] or platform.machine() == "aarch64"
