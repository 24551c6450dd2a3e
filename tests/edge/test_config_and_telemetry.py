"""Site YAML validation, model lookup, and the telemetry message."""

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agrisafe.protocol import validate_envelope
from edge.config import default_model_path, load_site, model_params
from edge.errors import ConfigError
from edge.evidence import EvidenceCounts
from edge.stats import Stats
from edge.telemetry import Health, health_fields, telemetry_envelope

SITE = """
site: SX-TG-001
device: edge-01
pipeline:
  activities:
    spraying:
      carriers: [person]
      required: {person: [spray_plume]}
      min_duration_s: 3
      gap_s: 2
  tracker: {confirm_median: 0.6}
cameras:
  - name: east
    source: rtsp://user:pw@10.0.0.5/stream1
    geo: {lat: 37.43, lon: 112.56}
    plots:
      - id: P1
        polygon: [[0, 0], [640, 0], [640, 360]]
"""


def test_site_yaml_with_plots_geo_and_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(SITE, "utf-8")
    cfg = load_site(path)
    cam = cfg.cameras[0]
    assert cam.polygons() == {"P1": [(0, 0), (640, 0), (640, 360)]}
    assert cam.geo is not None
    assert cam.geo.to_geo().fix == "fixed"
    assert cfg.pipeline.activities["spraying"].min_duration_s == 3
    assert cfg.pipeline.tracker.confirm_median == 0.6
    assert set(cfg.pipeline.activities) == {"spraying"}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("site: S\ncameras: []\n", "cameras: List should have at least 1 item"),
        ("site: S\npipeline: {activities: {dancing: {carriers: [person], required: {}}}}\n"
         "cameras: [{name: a, source: x.mp4}]\n", "unknown activities ['dancing']"),
        ("site: S\ncameras: [{name: a, source: x.mp4, plots: [{id: P, polygon: [[0, 0]]}]}]\n",
         "cameras.0.plots.0.polygon"),
        ("site: [unclosed\n", "not valid YAML"),
        # `.inf` passes `ge=0`: an interval that never comes due is a check switched off
        ("site: S\npipeline: {verifier: {sweep_s: .inf}}\ncameras: [{name: a, source: x.mp4}]\n",
         "pipeline.verifier.sweep_s"),
        ("site: S\npipeline: {verifier: {recheck_s: .nan}}\ncameras: [{name: a, source: x.mp4}]\n",
         "pipeline.verifier.recheck_s"),
        ("site: S\ncameras: [{name: a, source: x.mp4, plots: [{id: P, polygon: [[0, 0], [9, 0], "
         "[9, .nan]]}]}]\n", "cameras.0.plots.0.polygon.2.1"),
        ("site: S\ntelemetry_interval_s: .inf\ncameras: [{name: a, source: x.mp4}]\n",
         "telemetry_interval_s"),
        # a camera's name is a folder and a file name under the data directory
        ("site: S\ncameras: [{name: ../../x, source: x.mp4}]\n", "cameras.0.name: '../../x' can"),
        ("site: S\ncameras: [{name: /etc/x, source: x.mp4}]\n", "cameras.0.name: '/etc/x' cannot"),
        ("site: S\ncameras: [{name: '..', source: x.mp4}]\n", "cameras.0.name: '..' cannot"),
        ("site: S\npipeline: {verifier: {sweep_tiles: [2, 0]}}\n"
         "cameras: [{name: a, source: x.mp4}]\n", "pipeline.verifier.sweep_tiles.1"),
    ],
)  # fmt: skip
def test_bad_site_yaml_names_file_and_key(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=r"site\.yaml") as err:
        load_site(path)
    assert needle in str(err.value)


@pytest.mark.parametrize("name", ["cam 1", "北门", "-cam", "cam.v2", "x" * 128])
def test_camera_names_sites_already_use_stay_valid(tmp_path: Path, name: str) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(f"site: S\ncameras: [{{name: '{name}', source: x.mp4}}]\n", "utf-8")
    assert load_site(path).cameras[0].name == name


def test_model_path_override_by_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AGRISAFE_MODEL_PATH", str(tmp_path / "x.onnx"))
    assert default_model_path() == tmp_path / "x.onnx"
    monkeypatch.delenv("AGRISAFE_MODEL_PATH")
    monkeypatch.chdir(tmp_path)  # found from the package, not the working directory
    assert default_model_path().parts[-3:] == ("models", "agri-activity-v2", "model.onnx")
    assert (default_model_path().parent.parent.parent / "edge").is_dir()


def test_telemetry_is_numbers_only_and_valid() -> None:
    stats = Stats(frames=300, detected=60, gated=240, infer_ms=600.0, motion=3.0, activities=2)
    h = Health(60.0, stats, skipped=12, reconnects=1, outbox_depth=5, cameras=1)
    fields = health_fields(h)
    assert fields["fps"] == 5.0
    assert fields["inference_ms"] == 10.0
    assert fields["motion_ratio"] == 0.01
    assert fields["skipped_frames"] == 12
    env = telemetry_envelope("S1", "edge-01", h)
    validate_envelope(env.model_dump(mode="json"))
    again = Stats(frames=1)
    assert again.snapshot_and_reset().frames == 1
    assert again.frames == 0


def test_telemetry_reports_evidence_refused_and_lost() -> None:
    counts = EvidenceCounts(pending=4, rejected=1, lost=2)
    h = Health(60.0, Stats(), 0, 0, 0, 1, evidence=counts)
    fields = health_fields(h)
    assert (fields["evidence_pending"], fields["evidence_rejected"], fields["evidence_lost"]) == (
        4,
        1,
        2,
    )
    validate_envelope(telemetry_envelope("S1", "edge-01", h).model_dump(mode="json"))
    assert "evidence_lost" not in health_fields(Health(60.0, Stats(), 0, 0, 0, 1))


def test_model_sidecar_thresholds(tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    assert model_params(model).tracker.min_hits == 2
    (tmp_path / "pipeline.yaml").write_text("tracker: {min_hits: 3}\n", "utf-8")
    assert model_params(model).tracker.min_hits == 3
    (tmp_path / "pipeline.yaml").write_text("tracker: {min_hitz: 3}\n", "utf-8")
    with pytest.raises(ConfigError, match=r"pipeline\.yaml"):
        model_params(model)


@given(st.binary(max_size=300))
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_site_loader_never_crashes_on_random_bytes(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "site.yaml"
    path.write_bytes(raw)
    with contextlib.suppress(ConfigError):
        load_site(path)


def test_commission_refuses_a_camera_name_that_climbs_out(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from edge.cli import app

    args = ["commission", "--camera", "../../x", "--source", "clip.avi"]
    result = CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2
    assert "--camera: '../../x' cannot name a file" in result.output
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("name", ["cam-01", "gate_2", "东门", "a.b"])
def test_ordinary_camera_names_are_kept(tmp_path: Path, name: str) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(f"site: S\ncameras: [{{name: '{name}', source: x.mp4}}]\n", "utf-8")
    assert load_site(path).cameras[0].name == name
