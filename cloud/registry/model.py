"""The registry file: producers, sites with their plots, herds and devices (YAML).

Loaded into pydantic models with `extra="forbid"` so a misspelt key is an error that names the
file and the key, not a silently ignored setting.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from agrisafe.config import StrictModel
from agrisafe.protocol.bodies import Ident
from agrisafe.protocol.enums import Species
from agrisafe.timeutil import DEFAULT_TZ, site_zone

UNKNOWN_REGION = "000000"
SignaturePolicy = Literal["required", "optional"]


class ProducerType(StrEnum):
    """生产经营主体 types."""

    ENTERPRISE = "enterprise"
    COOP = "coop"
    FAMILY_FARM = "family_farm"
    FARMER = "farmer"


class DeviceType(StrEnum):
    """What a device is; informs the console and the rules (e.g. camera → activities)."""

    CAMERA = "camera"
    EDGE = "edge"
    INSTRUMENT = "instrument"
    GPS = "gps"
    BRIDGE = "bridge"
    GATEWAY = "gateway"
    APP = "app"
    TERMINAL = "terminal"
    OTHER = "other"


# [lon, lat] or [lon, lat, alt]: numbers only (a quoted "112.5" is an error naming the point, not
# a string that later breaks the geofence arithmetic), finite (StrictModel), in degrees.
Position = Annotated[list[Annotated[float, Field(strict=True)]], Field(min_length=2, max_length=3)]


class GeoPolygon(StrictModel):
    """A GeoJSON Polygon in degrees. No other keys but RFC 7946's `bbox`: whatever a registry
    keeps is stored and served, so an unknown key is refused rather than carried along."""

    type: Literal["Polygon"] = Field(description="always Polygon")
    coordinates: list[list[Position]] = Field(
        min_length=1, description="rings of [lon, lat] points, each closed"
    )
    # GIS tools write a bounding box into what they export (RFC 7946 §5), so a registry made with
    # one must load. Checked, then not stored: the rings are the truth, a stale box would not be.
    bbox: list[Annotated[float, Field(strict=True)]] | None = Field(
        default=None,
        exclude=True,
        description="RFC 7946 bounding box (4 or 6 numbers), checked and not kept",
    )

    @field_validator("coordinates")
    @classmethod
    def _rings(cls, rings: list[list[list[float]]]) -> list[list[list[float]]]:
        for ring in rings:
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise ValueError(
                    "each ring needs ≥ 4 [lon, lat] points, the last equal to the first"
                )
            for point in ring:
                if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                    raise ValueError(f"bad point {point!r}: expected [lon, lat] in degrees")
        return rings

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, box: list[float] | None) -> list[float] | None:
        if box is not None and len(box) not in (4, 6):
            raise ValueError("a bbox is [west, south, east, north] (4 numbers, or 6 with heights)")
        return box


def _polygon(value: Any) -> dict[str, Any] | None:
    """A GeoJSON Polygon as the store keeps it (a plain dict), checked by `GeoPolygon`."""
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") != "Polygon":
        raise ValueError(
            "expected a GeoJSON Polygon: {type: Polygon, coordinates: [[[lon, lat], ...]]}"
        )
    return GeoPolygon.model_validate(value).model_dump(mode="json")


class ProducerConfig(StrictModel):
    """A producer (生产经营主体), identified by its 统一社会信用代码."""

    id: Ident = Field(description="统一社会信用代码 (or another stable id)")
    name: str = Field(min_length=1, description="registered name")
    type: ProducerType = Field(default=ProducerType.FARMER, description="kind of producer")
    contact: str | None = Field(default=None, description="phone or address for the certificate")
    show_contact: bool = Field(default=False, description="show the contact on trace pages")


class PlotConfig(StrictModel):
    """A plot (地块) and the crop currently grown on it."""

    id: Ident = Field(description="plot id, unique within the site")
    name: str | None = Field(default=None, description="display name")
    crop: str | None = Field(default=None, description="current crop, Chinese name, e.g. 黄瓜")
    polygon: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon")

    _check_polygon = field_validator("polygon", mode="before")(_polygon)


class HerdConfig(StrictModel):
    """A herd or flock (畜禽批次 / 群)."""

    id: Ident = Field(description="herd id, unique within the site")
    name: str | None = Field(default=None, description="display name")
    species: Species = Field(description="pig, cattle, dairy_cow, sheep, goat, broiler, layer …")


class DeviceConfig(StrictModel):
    """A device or user terminal allowed to send messages for the site."""

    id: Ident = Field(description="device id as used in topics and envelopes")
    type: DeviceType = Field(default=DeviceType.OTHER, description="camera, instrument, app …")
    name: str | None = Field(default=None, description="display name")
    public_key: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{43}$",
        description="Ed25519 public key (base64url, 32 bytes) its envelopes are signed with",
    )


class SiteConfig(StrictModel):
    """A production base (生产基地)."""

    id: Ident = Field(description="site id as used in topics and envelopes")
    name: str = Field(min_length=1, description="display name")
    producer: str | None = Field(default=None, description="producer id")
    region: str = Field(pattern=r"^\d{6}$", description="6-digit 行政区划 code, e.g. 140726")
    grid: str | None = Field(default=None, description="regulatory grid (网格)")
    timezone: str = Field(default=DEFAULT_TZ, description="IANA time zone for calendar dates")
    geofence: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon")
    plots: list[PlotConfig] = Field(default_factory=list, description="plots of the site")
    herds: list[HerdConfig] = Field(default_factory=list, description="herds of the site")
    devices: list[DeviceConfig] = Field(default_factory=list, description="allowed senders")
    signatures: SignaturePolicy = Field(
        default="optional",
        description="required: unsigned or badly signed envelopes are quarantined (bad_signature)",
    )

    _check_geofence = field_validator("geofence", mode="before")(_polygon)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            site_zone(value)
        except Exception as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> "SiteConfig":
        for label, items in (("plot", self.plots), ("herd", self.herds), ("device", self.devices)):
            ids = [i.id for i in items]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {label} ids in site {self.id}: {dupes}")
        return self


class RegistryFile(StrictModel):
    """The whole registry file."""

    producers: list[ProducerConfig] = Field(default_factory=list, description="producers")
    sites: list[SiteConfig] = Field(default_factory=list, description="production bases")

    @model_validator(mode="after")
    def _references(self) -> "RegistryFile":
        producer_ids = {p.id for p in self.producers}
        site_ids = [s.id for s in self.sites]
        dupes = sorted({i for i in site_ids if site_ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate site ids: {dupes}")
        for site in self.sites:
            if site.producer is not None and site.producer not in producer_ids:
                raise ValueError(f"site {site.id}: producer {site.producer!r} is not listed")
        return self
