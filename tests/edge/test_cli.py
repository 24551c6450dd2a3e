"""`agrisafe edge run` as a user runs it: JSON lines on stdout, clear errors and exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.edge_media import brightness_video, end_to_end_model, yolo_model


def agrisafe(*args: str, data: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGRISAFE_")}
    env["AGRISAFE_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "agrisafe", "edge", "run", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli-media")
    video = brightness_video(root / "v.mp4", [(1.0, False), (4.0, True), (2.0, False)])
    return video, yolo_model(root / "m.onnx")


def test_once_prints_one_json_line_per_activity_message(
    media: tuple[Path, Path], tmp_path: Path
) -> None:
    video, model = media
    start = "2026-05-01T08:30:00+08:00"
    proc = agrisafe(
        "--source", str(video), "--once", "--model", str(model), "--start-time", start,
        data=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [m["body"]["state"] for m in lines] == ["start", "end"]
    assert {(m["site"], m["device"], m["body"]["plot"]) for m in lines} == {
        ("local", "edge", "default")
    }
    assert lines[0]["ts"].startswith("2026-05-01T08:30:01")
    assert lines[0]["body"]["evidence"][0]["media"] == "image/jpeg"
    assert "edge local/edge" in proc.stderr  # logs go to stderr only
    assert (tmp_path / "evidence" / "index.db").exists()


@pytest.mark.parametrize(
    ("make", "code", "needle"),
    [
        ("corrupt", 1, "not a readable video"),
        ("missing", 1, "no such video file"),
        ("e2e_model", 2, "end-to-end"),
        ("no_model", 2, "model file not found"),
        ("rtsp", 1, "cannot open"),
        ("both", 2, "exactly one of"),
    ],
)
def test_bad_input_fails_clearly(
    media: tuple[Path, Path], tmp_path: Path, make: str, code: int, needle: str
) -> None:
    video, model = media
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(os.urandom(5000))
    e2e = str(end_to_end_model(tmp_path / "e.onnx"))
    args = {
        "corrupt": ["--source", str(corrupt), "--once", "--model", str(model)],
        "missing": ["--source", str(tmp_path / "absent.mp4"), "--once", "--model", str(model)],
        "e2e_model": ["--source", str(video), "--once", "--model", e2e],
        "no_model": ["--source", str(video), "--once", "--model", str(tmp_path / "none.onnx")],
        "rtsp": ["--source", "rtsp://127.0.0.1:9/cam", "--model", str(model)],
        "both": ["--model", str(model)],
    }[make]  # fmt: skip
    proc = agrisafe(*args, data=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert needle in proc.stderr
    assert proc.stdout == ""


def test_bad_site_yaml_names_the_key(media: tuple[Path, Path], tmp_path: Path) -> None:
    video, model = media
    cfg = tmp_path / "site.yaml"
    cfg.write_text(f"site: S1\ncameras:\n  - name: c1\n    source: {video}\n    fps: 5\n", "utf-8")
    proc = agrisafe("--config", str(cfg), "--once", "--model", str(model), data=tmp_path)
    assert proc.returncode == 2
    assert "cameras.0.fps: Extra inputs are not permitted" in proc.stderr


def test_placeholder_token_is_one_line_and_exit_2(media: tuple[Path, Path], tmp_path: Path) -> None:
    """docs/edge.md's `cloud_token: "…"` copied literally: a config error, not a traceback."""
    video, model = media
    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        f'site: S1\ncloud_url: http://127.0.0.1:9\ncloud_token: "…"\n'
        f"cameras:\n  - name: c1\n    source: {video}\n",
        "utf-8",
    )
    proc = agrisafe("--config", str(cfg), "--once", "--model", str(model), data=tmp_path)
    assert proc.returncode == 2
    assert "cloud_token: expected the API token as printable ASCII" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreadable_signing_key_is_one_line_and_exit_2(
    media: tuple[Path, Path], tmp_path: Path
) -> None:
    """`signing_key:` naming a missing file stops the node with exit 2 and names the file."""
    video, model = media
    cfg = tmp_path / "site.yaml"
    missing = tmp_path / "missing.key"
    cfg.write_text(
        f"site: S1\nsigning_key: {missing}\ncameras:\n  - name: c1\n    source: {video}\n",
        "utf-8",
    )
    proc = agrisafe("--config", str(cfg), "--once", "--model", str(model), data=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert f"signing_key: {missing}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_plot_polygon_outside_the_frame_is_warned(media: tuple[Path, Path], tmp_path: Path) -> None:
    video, model = media
    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        f"site: S1\ncameras:\n  - name: c1\n    source: {video}\n    plots:\n"
        "      - id: P1\n        polygon: [[120, 400], [900, 380], [1180, 710], [60, 715]]\n",
        "utf-8",
    )
    proc = agrisafe("--config", str(cfg), "--once", "--model", str(model), data=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "camera c1: plot P1: 100% of its polygon lies outside the" in proc.stderr


def test_sigterm_stops_a_running_node_cleanly(media: tuple[Path, Path], tmp_path: Path) -> None:
    import signal

    video, model = media
    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        f"site: S1\nmodel: {model}\ncameras:\n  - name: c1\n    source: {video}\n", "utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGRISAFE_")}
    env["AGRISAFE_DATA_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "agrisafe", "edge", "run", "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())  # the spraying started (file played in real time)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    [last] = [json.loads(line) for line in out.splitlines()]
    assert (first["body"]["state"], last["body"]["state"]) == ("start", "end")  # closed on stop
    assert first["body"]["track"] == last["body"]["track"]
