"""Response models of the consultation routes and `whoami`."""

from typing import Any

from pydantic import BaseModel, Field


class Whoami(BaseModel):
    """The caller as the console shows it."""

    name: str
    role: str
    regions: list[str] | None = Field(default=None, description="None: every region")
    sites: list[str] | None = Field(default=None, description="None: every site in the regions")


class Flag(BaseModel):
    """A problem the reference check found in a recommendation."""

    code: str = Field(description="banned, phi, phi_unknown, withdrawal, withdrawal_unknown, …")
    message: str
    source: str = ""


class CheckResult(BaseModel):
    """What the reference data says about a recommendation."""

    lookup: dict[str, Any]
    flags: list[Flag]


class ConsultMessage(BaseModel):
    """One message of a case's thread."""

    id: int
    case_id: str
    author: str
    role: str
    body: str
    attachments: list[str]
    diagnosis: dict[str, Any] | None = None
    flags: list[Flag]
    ts_ms: int


class ConsultCase(BaseModel):
    """A consultation case."""

    id: str
    site: str
    region: str
    opened_by: str
    opened_role: str
    subject_kind: str = Field(description="crop or herd")
    crop: str | None = None
    plot: str | None = None
    herd: str | None = None
    species: str | None = None
    symptoms: str
    location: dict[str, Any] | None = None
    attachments: list[str]
    harvest_ms: int | None = None
    status: str = Field(description="open, answered or closed")
    opened_ms: int
    updated_ms: int


class ConsultCaseDetail(ConsultCase):
    """A case with its thread, oldest message first."""

    messages: list[ConsultMessage]


class ConsultPage(BaseModel):
    """One page of cases."""

    total: int
    items: list[ConsultCase]
