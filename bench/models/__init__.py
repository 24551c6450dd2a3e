"""Detector benchmarks: scripts, a package only so mypy tells its latency.py from bench/rules."""
