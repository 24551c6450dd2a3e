"""gateway.yaml: which site, which brokers, where the outbox lives, what the boundary checks."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agrisafe import config as shared
from agrisafe.identity import KeyError_, VerifyKey, load_verify_key
from agrisafe.identity.keys import PublicKeyText, verify_key_from
from agrisafe.mqtt.url import parse_mqtt_url


class GatewayConfig(BaseModel):
    """One gateway: a site, its local broker, the cloud broker, the boundary's rules."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # `.inf` passes gt=0

    site: str = Field(min_length=1, description="the production base this gateway serves")
    gateway: str = Field(default="gw", min_length=1, description="the gateway's own device id")
    local_mqtt_url: str = Field(description="the site's broker the devices publish to")
    cloud_mqtt_url: str | None = Field(
        default=None, description="the cloud broker (mqtts://…); or cloud_credentials"
    )
    cloud_credentials: Path | None = Field(
        default=None, description="credentials.json of the site's gateway identity (provision)"
    )
    data_dir: Path | None = Field(default=None, description="outbox and quarantine directory")
    outbox_max_mb: int = Field(default=2048, ge=1, description="outbox size bound (hours of WAN)")
    signatures: Literal["optional", "required"] = Field(
        default="optional", description="required: unsigned or badly signed messages stop here"
    )
    device_keys: dict[str, str] = Field(
        default_factory=dict, description="device id → Ed25519 public key (base64url)"
    )
    signing_key: Path | None = Field(
        default=None,
        description="the gateway's own Ed25519 key (PEM, from provisioning): signs its "
        "telemetry and presence, which a site requiring signatures needs",
    )
    cloud_key_file: Path | None = Field(
        default=None,
        description="a file holding `cloud_key` (provision writes trust/cloud-public.key)",
    )
    cloud_key: PublicKeyText | None = Field(
        default=None,
        description="the cloud's Ed25519 public key (base64url): commands must carry its "
        "signature to be relayed; without it no command reaches the site",
    )
    max_message_bytes: int = Field(default=64 * 1024, ge=1024, description="larger: quarantined")
    telemetry_interval_s: float = Field(default=60.0, gt=0, description="own telemetry period")

    @field_validator("local_mqtt_url", "cloud_mqtt_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None:
            parse_mqtt_url(value)  # ValueError says what is wrong
        return value

    @model_validator(mode="after")
    def _a_message_fits_the_outbox(self) -> "GatewayConfig":
        # A message the empty outbox cannot hold would stop the relay for good (it waits for
        # room and takes nothing else meanwhile); 1 KiB leaves room for the gateway's stamp.
        if self.max_message_bytes + 1024 + len(self.gateway) > self.outbox_max_mb << 20:
            raise ValueError(
                f"max_message_bytes ({self.max_message_bytes}) plus 1 KiB must fit in "
                f"outbox_max_mb ({self.outbox_max_mb} MiB)"
            )
        return self

    def cloud_verify_key(self) -> VerifyKey | None:
        """The cloud's public key from `cloud_key` or `cloud_key_file` (None: neither set)."""
        try:
            return verify_key_from(self.cloud_key, self.cloud_key_file)
        except KeyError_ as err:
            raise shared.ConfigError(f"cloud_key: {err}") from err

    @field_validator("device_keys")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        for device, text in value.items():
            try:
                load_verify_key(text)
            except KeyError_ as err:
                raise ValueError(f"{device}: {err}") from err
        return value


def load_gateway_config(path: Path) -> GatewayConfig:
    """Read and validate gateway.yaml; `ConfigError` names the file and the key."""
    return shared.load_yaml_model(path, GatewayConfig, what="gateway config")
