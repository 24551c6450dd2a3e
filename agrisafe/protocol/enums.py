"""String enums of protocol v1: every closed vocabulary on the wire lives here."""

from enum import StrEnum


class Kind(StrEnum):
    """Message kinds (the last topic segment and the envelope's `kind`)."""

    ACTIVITY = "activity"
    INPUT_USE = "input_use"
    HARVEST = "harvest"
    TREATMENT = "treatment"
    DISPATCH = "dispatch"
    RAPID_TEST = "rapid_test"
    SAMPLE = "sample"
    CERTIFICATE_REQUEST = "certificate_request"
    STATUS = "status"
    TELEMETRY = "telemetry"
    COMMAND_RESULT = "command_result"  # a device's answer to a cloud command (downlink)


class GeoFix(StrEnum):
    """Where a position came from."""

    GPS = "gps"
    FIXED = "fixed"  # surveyed camera or station position
    NONE = "none"


class ActivityType(StrEnum):
    """Farming activities (农事行为) an edge node can recognise."""

    SPRAYING = "spraying"
    FERTILIZING = "fertilizing"
    HARVESTING = "harvesting"
    FEEDING = "feeding"
    MEDICATING = "medicating"
    OTHER = "other"


class ActivityState(StrEnum):
    """An activity is reported as a start and an end sharing a track id."""

    START = "start"
    END = "end"


class Species(StrEnum):
    """Animal species (English enum; 中文 map in `agrisafe.protocol.species`)."""

    PIG = "pig"
    CATTLE = "cattle"
    DAIRY_COW = "dairy_cow"
    SHEEP = "sheep"
    GOAT = "goat"
    BROILER = "broiler"
    LAYER = "layer"
    CHICKEN = "chicken"
    DUCK = "duck"
    GOOSE = "goose"
    RABBIT = "rabbit"
    FISH = "fish"


class AnimalProduct(StrEnum):
    """What a dispatch sells: withdrawal periods differ per product."""

    MEAT = "meat"
    MILK = "milk"
    EGGS = "eggs"


class TestMethod(StrEnum):
    """Rapid-test methods (快检方法)."""

    __test__ = False  # not a pytest test class despite the name

    ENZYME_INHIBITION = "enzyme_inhibition"  # 酶抑制率法
    COLLOIDAL_GOLD = "colloidal_gold"  # 胶体金


class TestResult(StrEnum):
    """Rapid-test outcome as decided by the instrument side."""

    __test__ = False  # not a pytest test class despite the name

    NEGATIVE = "negative"
    SUSPICIOUS = "suspicious"
    POSITIVE = "positive"
    INVALID = "invalid"


class CertificateBasis(StrEnum):
    """承诺依据 of the 2025 certificate measures."""

    CONTROL = "control"  # 质量安全控制符合要求
    SELF_TEST = "self_test"  # 自行检测合格
    COMMISSIONED_TEST = "commissioned_test"  # 委托检测合格


class DeviceState(StrEnum):
    """Presence published retained on the `status` topic; offline is the last will."""

    ONLINE = "online"
    OFFLINE = "offline"


class OfflineReason(StrEnum):
    """Why a device went offline: a graceful stop is not a fault (no `device_offline` alert)."""

    SHUTDOWN = "shutdown"  # the device said goodbye before disconnecting
    CONNECTION_LOST = "connection_lost"  # the MQTT last will: the broker lost the device


class Rule(StrEnum):
    """Stable rule identifiers: alert `rule` and the last segment of alert topics."""

    PHI_VIOLATION = "phi_violation"
    WITHDRAWAL_VIOLATION = "withdrawal_violation"
    BANNED_PESTICIDE = "banned_pesticide"
    MAX_APPLICATIONS = "max_applications"
    UNRECORDED_SPRAYING = "unrecorded_spraying"
    RAPID_TEST_POSITIVE = "rapid_test_positive"
    CERTIFICATE_REFUSED = "certificate_refused"
    CERTIFICATE_REVOKED = "certificate_revoked"
    DEVICE_OFFLINE = "device_offline"
    CLOCK_SKEW = "clock_skew"
    SAMPLE_OUT_OF_GEOFENCE = "sample_out_of_geofence"
    UNKNOWN_INPUT = "unknown_input"
    RAPID_TEST_INCONSISTENT = "rapid_test_inconsistent"
    ID_CONFLICT = "id_conflict"  # another sender's record already holds this message's id


class Severity(StrEnum):
    """Alert severity, most to least urgent."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"


class AlertStatus(StrEnum):
    """Alert lifecycle: open → acknowledged → resolved."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class QuarantineReason(StrEnum):
    """Why a received message was not accepted; stored with its raw bytes."""

    BAD_JSON = "bad_json"
    SCHEMA = "schema"
    TOO_LARGE = "too_large"
    UNKNOWN_TOPIC = "unknown_topic"
    TOPIC_MISMATCH = "topic_mismatch"
    ID_REUSE = "id_reuse"  # the same sender, other content: the first one stands
    ID_CONFLICT = "id_conflict"  # another (site, device) stored a message with this id first
    UNKNOWN_DEVICE = "unknown_device"
    BAD_SIGNATURE = "bad_signature"
    UNSAFE_JSON = "unsafe_json"  # NaN/Infinity, integers beyond 64 bits, NUL, deep nesting
    OUT_OF_SCOPE = "out_of_scope"  # an HTTP token posting for a site or device not its own
    KIND_NOT_ALLOWED = "kind_not_allowed"  # e.g. an instrument sending input_use
    EVENT_TIME = "event_time"  # event time too far from arrival (year 0001, 9999 …)
    INTERNAL = "internal"  # the cloud failed on this message; kept for an operator


class CommandName(StrEnum):
    """Commands the cloud sends to a device (`agrisafe/v1/{site}/{device}/cmd/{name}`)."""

    SNAPSHOT = "snapshot"  # take a still of each (or one) camera now, as evidence
    SET_ZONES = "set_zones"  # replace a camera's plot polygons
    SET_THRESHOLDS = "set_thresholds"  # change detection thresholds
    SET_MODEL = "set_model"  # switch to an installed model version


class CommandStatus(StrEnum):
    """How a device answered a command (the `command_result` body's `status`)."""

    DONE = "done"
    REFUSED = "refused"  # not executed: unsigned, expired, unsupported or invalid parameters
    FAILED = "failed"  # tried and failed (no frame yet, disk full …)
