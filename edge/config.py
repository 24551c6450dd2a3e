"""Site configuration (YAML → pydantic, `extra="forbid"`) and the edge's environment settings."""

from pathlib import Path
from typing import Self

from pydantic import Field, field_validator, model_validator

from agrisafe import config as shared
from agrisafe.identity import KeyError_, VerifyKey
from agrisafe.identity.keys import PublicKeyText, verify_key_from
from agrisafe.protocol import ActivityType, Geo, GeoFix
from agrisafe.settings import AgrisafeSettings
from edge.errors import ConfigError
from edge.params import PipelineParams
from edge.zones import DEFAULT_PLOT

DEFAULT_MODEL = Path("models/agri-activity-v2/model.onnx")


class Strict(shared.StrictModel):
    """Base of the site file's models (unknown keys, `.inf` and `.nan` are errors)."""


class CameraGeo(Strict):
    """Surveyed camera position (sent as `geo` with `fix: fixed`)."""

    lat: float = Field(ge=-90, le=90, description="latitude, WGS-84")
    lon: float = Field(ge=-180, le=180, description="longitude, WGS-84")
    alt: float | None = Field(default=None, description="altitude in metres")

    def to_geo(self) -> Geo:
        """The protocol's geo object."""
        return Geo(lat=self.lat, lon=self.lon, alt=self.alt, fix=GeoFix.FIXED)


class PlotZone(Strict):
    """One plot as a polygon in the camera's pixel coordinates."""

    id: str = Field(min_length=1, description="plot id as in the registry")
    polygon: list[tuple[float, float]] = Field(
        min_length=3, description="[[x, y], …] in pixels of the camera frame"
    )


class CameraConfig(Strict):
    """One camera."""

    # the name is a folder and a file name under the data directory (uncertain/CAMERA,
    # commissioning/CAMERA, CAMERA.json): `../../x` or `/etc` must not reach outside it
    name: shared.PathName = Field(
        description="camera id, unique on this device: letters, digits, '_', '-', '.'"
    )
    source: str = Field(description="rtsp://…, usb:0, /dev/video0, or a video file path")
    detect_fps: float = Field(default=5.0, gt=0, le=30, description="frames analysed per second")
    realtime: bool = Field(
        default=True, description="file sources only: play at real speed like a camera"
    )
    geo: CameraGeo | None = Field(default=None, description="fixed camera position")
    plots: list[PlotZone] = Field(
        default_factory=list, description="plot polygons; none = whole frame is plot 'default'"
    )

    def polygons(self) -> dict[str, list[tuple[float, float]]]:
        """Plot id → polygon."""
        return {p.id: p.polygon for p in self.plots}


class SiteConfig(Strict):
    """The edge node's site YAML."""

    site: str = Field(min_length=1, description="production base id")
    device: str = Field(default="edge", min_length=1, description="this edge node's device id")
    mqtt_url: str | None = Field(default=None, description="broker URL (AGRISAFE_MQTT_URL wins)")
    data_dir: Path | None = Field(default=None, description="outbox and evidence directory")
    model: Path | None = Field(default=None, description="detector (.onnx, or .pt)")
    cloud_url: str | None = Field(default=None, description="cloud API base for evidence upload")
    cloud_token: str | None = Field(default=None, description="bearer token for the cloud API")
    signing_key: Path | None = Field(
        default=None,
        description="Ed25519 key (PEM, from `agrisafe devices provision`) signing every envelope",
    )
    cloud_key_file: Path | None = Field(
        default=None,
        description="a file holding `cloud_key` (provision writes trust/cloud-public.key)",
    )
    cloud_key: PublicKeyText | None = Field(
        default=None,
        description="the cloud's Ed25519 public key (base64url): only commands it signed are "
        "executed; without it every command is refused",
    )
    telemetry_interval_s: float = Field(default=60.0, gt=0, description="telemetry period")
    outbox_max_mb: int = Field(default=256, ge=1, description="outbox size bound")
    pipeline: PipelineParams = Field(default_factory=PipelineParams, description="thresholds")
    cameras: list[CameraConfig] = Field(min_length=1, description="cameras of this node")

    def cloud_verify_key(self) -> VerifyKey | None:
        """The cloud's public key from `cloud_key` or `cloud_key_file` (None: neither set)."""
        try:
            return verify_key_from(self.cloud_key, self.cloud_key_file)
        except KeyError_ as err:
            raise ConfigError(f"cloud_key: {err}") from err

    @field_validator("cloud_token")
    @classmethod
    def _header_safe(cls, value: str | None) -> str | None:
        # The token travels in an HTTP header: anything but printable ASCII (a copied "…"
        # placeholder, a stray space) would fail on the first upload, deep inside httpx.
        if value is not None and not (value.isascii() and value.isprintable() and " " not in value):
            raise ValueError("expected the API token as printable ASCII without spaces")
        return value

    @model_validator(mode="after")
    def _check(self) -> Self:
        names = [c.name for c in self.cameras]
        if len(set(names)) != len(names):
            raise ValueError("camera names must be unique")
        known = {a.value for a in ActivityType}
        bad = sorted(set(self.pipeline.activities) - known)
        if bad:
            raise ValueError(f"unknown activities {bad}; expected some of {sorted(known)}")
        return self


def load_site(path: Path) -> SiteConfig:
    """Read and validate the site YAML; errors name the file and the key."""
    try:
        return shared.load_yaml_model(path, SiteConfig, what="site config")
    except shared.ConfigError as err:
        raise ConfigError(str(err)) from err


def model_params(model: Path) -> PipelineParams:
    """Thresholds tuned for a model: `pipeline.yaml` next to it, else the defaults.

    The shipped model carries its own tuning (a `pipeline.yaml` beside the model file), so a
    retrained model can move its thresholds without a code change; a site YAML's `pipeline:`
    key still wins.
    """
    sidecar = model.with_name("pipeline.yaml")
    if not sidecar.is_file():
        return PipelineParams()
    try:
        return shared.load_yaml_model(sidecar, PipelineParams, what="pipeline thresholds")
    except shared.ConfigError as err:
        raise ConfigError(str(err)) from err


def whole_frame_camera(source: str) -> CameraConfig:
    """`--source FILE` without a config: one camera, whole frame = plot `default`."""
    return CameraConfig(name="cam0", source=source, realtime=False)


class EdgeSettings(AgrisafeSettings):
    """Environment of the edge node (AGRISAFE_*): broker, data dir, model override."""

    model_path: Path | None = Field(
        default=None, description="detector model (AGRISAFE_MODEL_PATH) overriding the default"
    )


def default_model_path() -> Path:
    """The shipped model: $AGRISAFE_MODEL_PATH, else models/agri-activity-v2 in the repository.

    The repository root is found from this file (edge/ sits next to models/), which holds for a
    checkout and an editable install; the current directory is the last resort.
    """
    env = EdgeSettings().model_path
    if env is not None:
        return env
    for root in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (root / DEFAULT_MODEL).is_file():
            return root / DEFAULT_MODEL
    return Path(__file__).resolve().parent.parent / DEFAULT_MODEL


__all__ = ["DEFAULT_PLOT", "CameraConfig", "SiteConfig", "load_site"]
