"""Detector benchmarks (scripts; a package only so that mypy tells `latency` apart from bench/rules)."""
