"""Kind-specific message bodies of protocol v1.

Required fields follow protocol-v1.md; optional fields may be added without a version bump.
Every body keeps unknown extra fields (forward compatibility) but validates the known ones.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agrisafe.protocol.enums import (
    ActivityState,
    ActivityType,
    AnimalProduct,
    CertificateBasis,
    CommandName,
    CommandStatus,
    DeviceState,
    OfflineReason,
    Species,
    TestMethod,
    TestResult,
)

# Ids that appear in topics or subjects (plot:{id}) must be non-empty and free of topic syntax.
Ident = Annotated[
    str,
    Field(min_length=1, max_length=128, pattern=r"^[^/+#\s][^/+#]*$", description="identifier"),
]
Text = Annotated[str, Field(min_length=1, max_length=512)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="lower-case hex SHA-256")]


class Body(BaseModel):
    """Base of every body: unknown fields are kept and ignored."""

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)


class EvidenceRef(Body):
    """A piece of evidence (snapshot, clip) identified by its content hash."""

    sha256: Sha256
    media: Text = Field(description="MIME type, e.g. image/jpeg or video/mp4")
    uri: Text = Field(description="where the cloud can fetch or find it")


class ModelRef(Body):
    """The detector that produced an activity."""

    name: Text
    version: Text


class ActivityBody(Body):
    """A farming activity seen by a camera: a start and an end sharing `track`."""

    activity: ActivityType
    state: ActivityState
    plot: Ident
    confidence: Fraction
    track: Ident
    evidence: list[EvidenceRef] = Field(default_factory=list)
    model: ModelRef
    # Abstention (optional; absent = not stated, e.g. an older sender): the cloud raises an
    # unrecorded_spraying as a `warning` "needs review" when any of them is False / True.
    verified: bool | None = Field(
        default=None,
        description="a second (COCO) model confirmed the cue's carrier; false: not confirmed",
    )
    out_of_domain: bool | None = Field(
        default=None, description="the camera's frames drifted from the model's domain"
    )
    commissioned: bool | None = Field(
        default=None, description="the camera has a commissioning record (agrisafe edge commission)"
    )


class ProductRef(Body):
    """A pesticide product as named on its label."""

    name: Text
    active_ingredients: list[Text] = Field(min_length=1)
    reg_no: Text | None = Field(default=None, description="登记证号, e.g. PD20080001")
    formulation: Text | None = Field(default=None, description="剂型 and content, e.g. 1.8% EC")


class InputUseBody(Body):
    """A pesticide application (投入品使用记录)."""

    plot: Ident
    crop: Text = Field(description="Chinese crop name, e.g. 黄瓜")
    product: ProductRef
    dose: Text | float | None = None
    operator: Text | None = None


class HarvestBody(Body):
    """A harvest (采收) of a plot's crop into a lot."""

    plot: Ident
    crop: Text
    lot: Ident
    qty_kg: NonNegative | None = None


class TreatmentBody(Body):
    """A veterinary drug given to a herd (用药记录)."""

    herd: Ident
    species: Species
    drug: Text = Field(description="product name, e.g. 土霉素注射液")
    dose: Text | float | None = None
    operator: Text | None = None
    water_temp_c: float | None = Field(
        default=None, ge=-5, le=45, description="fish: water temperature for degree-day periods"
    )


class DispatchBody(Body):
    """Animals or animal products leaving a herd (出栏/屠宰/售奶/售蛋)."""

    herd: Ident
    species: Species
    product: AnimalProduct
    lot: Ident
    qty: NonNegative | None = None


class RapidTestBody(Body):
    """A rapid test (快检) result; the instrument side already applied the kit threshold."""

    sample: Ident
    commodity: Text
    method: TestMethod
    analyte: Text
    result: TestResult
    inhibition_pct: Annotated[float, Field(ge=0.0, le=100.0)] | None = None
    t_c_ratio: NonNegative | None = None
    lot: Ident | None = None
    plot: Ident | None = None
    instrument: Text | None = None
    operator: Text | None = None
    retest_advice: Text | None = Field(
        default=None,
        description="复检 advice, e.g. for matrices known to give false positives (葱, 蒜, 韭菜 …)",
    )
    raw_hex: Annotated[str, Field(max_length=8192, pattern=r"^[0-9a-f]*$")] | None = Field(
        default=None, description="the instrument's raw frame (lower-case hex), kept for audit"
    )


class SampleBody(Body):
    """A GPS-tagged sampling (抽样) record; the envelope must carry a geo fix."""

    sample: Ident
    commodity: Text
    inspector: Text
    lot: Ident | None = None
    plot: Ident | None = None
    photo_sha256: Sha256 | None = Field(
        default=None, description="SHA-256 of the sampling photo (chain of custody)"
    )


class CertificateRequestBody(Body):
    """A request to issue a 承诺达标合格证 for a lot."""

    lot: Ident
    commodity: Text
    qty_kg: Annotated[float, Field(gt=0.0)]
    basis: list[CertificateBasis] = Field(min_length=1)


class StatusBody(Body):
    """Device presence; published retained, offline is the MQTT last will."""

    state: DeviceState
    reason: OfflineReason | None = Field(
        default=None,
        description="with offline: shutdown (graceful stop, raises no device_offline alert) "
        "or connection_lost (the last will); absent means connection_lost",
    )


class TelemetryBody(Body):
    """Free numeric fields (fps, outbox depth, reconnects …): every value must be a number."""

    @model_validator(mode="before")
    @classmethod
    def _numbers_only(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"telemetry field {key!r} must be a number")
        return data


class CommandResultBody(Body):
    """A device's answer to a cloud command: what it did, with evidence where it made some."""

    command: Ident = Field(description="the id of the command answered")
    name: CommandName
    status: CommandStatus
    detail: Text | None = Field(default=None, description="why refused or failed; what changed")
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=32)
