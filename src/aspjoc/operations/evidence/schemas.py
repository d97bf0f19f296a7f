"""API shapes of evidence items, custody events, transfers, packages and verification."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from aspjoc.intel.schemas import OrgRef
from aspjoc.operations.graph.schemas import MarkingBrief


class EvidenceOut(BaseModel):
    id: int
    uuid: str
    subject_type: str
    subject_id: str
    filename: str
    content_type: str
    size: int
    sha256: str = Field(description="SHA-256 of the file at intake.")
    description: str
    owner: OrgRef
    custodian: OrgRef = Field(description="The organisation that holds custody now.")
    marking: MarkingBrief
    created_at: datetime
    last_verified_at: datetime | None
    last_verify_ok: bool | None


class EvidencePage(BaseModel):
    items: list[EvidenceOut]
    total: int
    next: str | None


class CustodyOut(BaseModel):
    at: datetime
    action: str
    actor: str = Field(description="E-mail of the user, or 'system'.")
    actor_organisation: str
    from_organisation: str
    to_organisation: str
    purpose: str
    sha256: str | None = Field(description="The file's SHA-256 at that moment; null when the file was missing.")
    intact: bool
    audit_hash: str = Field(description="Hash of the matching event in the audit chain.")


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_organisation: str | int = Field(..., description="Organisation id or name that takes custody.")
    purpose: str = Field(..., max_length=2000, description="Why custody changes hands, e.g. an MLA request reference.")


class PackageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence_ids: list[int] = Field(default_factory=list, max_length=1000)
    subject_type: str | None = None
    subject_id: str | None = None
    purpose: str = Field(..., max_length=2000, description="What the package is for: a preservation or MLA request.")
    reference: str = Field("", max_length=200, description="The request's reference number.")
    recipient: str = Field("", max_length=300, description="The requesting or receiving authority.")


class FindingOut(BaseModel):
    evidence_id: int
    filename: str
    status: str = Field(description="intact, changed or missing.")
    expected: str
    actual: str | None


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_type: str | None = None
    subject_id: str | None = None


class VerifyOut(BaseModel):
    checked: int
    failed: int
    findings: list[FindingOut]
