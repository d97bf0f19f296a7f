"""Requests for information: one organisation asking the holder of an identifier about it.

A request is addressed to one organisation. It carries an AMBER+STRICT marking owned by the
requester and naming the target as its one recipient, so the access gate shows it, and its
thread, to those two organisations and nobody else.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aspjoc.accounts.models import Organisation
from aspjoc.db import Base, UTCDateTime
from aspjoc.intel.models import Observable


class RequestStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    DECLINED = "declined"
    CLOSED = "closed"


def _new_uuid() -> str:
    return str(uuid.uuid4())


class RequestForInformation(Base):
    """One question about one observable from one organisation to one holder of it.

    ``disclosed`` says whether the requester may know who the target is: true when the
    requester could see one of the target's statements on the observable when asking, or once
    the target has answered.
    """

    __tablename__ = "requests_for_information"
    __table_args__ = (
        Index("ix_requests_for_information_target", "target_org_id", "status"),
        Index("ix_requests_for_information_requester", "requester_org_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_new_uuid)
    requester_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    requester_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    target_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    observable_id: Mapped[int] = mapped_column(ForeignKey("observables.id"), index=True)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.OPEN.value)
    disclosed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    observable: Mapped[Observable] = relationship(lazy="joined")
    requester: Mapped[Organisation] = relationship(foreign_keys=[requester_org_id], lazy="joined")
    target: Mapped[Organisation] = relationship(foreign_keys=[target_org_id], lazy="joined")


class RequestMessage(Base):
    """One message in a request's thread: the question's follow-ups, the answer, a refusal or a closing note."""

    __tablename__ = "request_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests_for_information.id", ondelete="CASCADE"), index=True)
    author_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
