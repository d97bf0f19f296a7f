"""Tables of the MISP exchange: events (a grouping the platform keeps), their links to statements, tags, remotes.

An event does not copy statements: each attribute is a link from the event to one statement of the
organisation that added it, carrying what MISP says about the attribute itself (its uuid, type,
category, to_ids, comment). The statement's marking decides who sees the attribute; the event's own
marking decides who sees the event (its info, date and tags).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aspjoc.accounts.models import Organisation
from aspjoc.db import Base, UTCDateTime
from aspjoc.intel.models import Statement
from aspjoc.marking import Marking
from aspjoc.sealing import Sealed


class MispRemote(Base):
    """A remote MISP server (or another aspjoc's /misp/) this instance pulls from or pushes to.

    ``org_id`` is the local organisation the link acts for: pulled statements belong to it, and a push
    sends only what it may export. ``peer_org_id`` is the local record of the remote's organisation,
    used to decide which sharing-group (distribution 4) data may go there.
    """

    __tablename__ = "misp_remotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    api_key: Mapped[str] = mapped_column(Sealed(200))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    peer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    direction: Mapped[str] = mapped_column(String(8), default="both")
    verify_ssl: Mapped[bool] = mapped_column(Boolean, default=True)
    pulled_until: Mapped[int] = mapped_column(Integer, default=0)
    pushed_until: Mapped[int] = mapped_column(Integer, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship(foreign_keys=[org_id], lazy="joined")


class MispEvent(Base):
    """One MISP event: uuid kept across instances; ``org_id`` owns it here, ``orgc_*`` name its creator."""

    __tablename__ = "misp_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    orgc_name: Mapped[str] = mapped_column(String(200))
    orgc_uuid: Mapped[str] = mapped_column(String(36))
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    info: Mapped[str] = mapped_column(Text)
    date: Mapped[date] = mapped_column(Date)
    threat_level_id: Mapped[int] = mapped_column(SmallInteger, default=4)
    analysis: Mapped[int] = mapped_column(SmallInteger, default=0)
    distribution: Mapped[int] = mapped_column(SmallInteger, default=1)
    sharing_group_id: Mapped[int | None] = mapped_column(ForeignKey("sharing_groups.id"))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    publish_timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    creator_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    remote_id: Mapped[int | None] = mapped_column(ForeignKey("misp_remotes.id"))
    remote_timestamp: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship(lazy="joined")
    marking: Mapped[Marking] = relationship(lazy="joined")


class MispEventTag(Base):
    __tablename__ = "misp_event_tags"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("misp_events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    local: Mapped[bool] = mapped_column(Boolean, default=False)


class MispAttribute(Base):
    """An attribute of an event: a link to the statement it became, with MISP's own fields."""

    __tablename__ = "misp_attributes"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("misp_events.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), index=True)
    type: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    to_ids: Mapped[bool] = mapped_column(Boolean, default=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    distribution: Mapped[int] = mapped_column(SmallInteger, default=5)
    sharing_group_id: Mapped[int | None] = mapped_column(ForeignKey("sharing_groups.id"))
    object_relation: Mapped[str | None] = mapped_column(String(128))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    statement: Mapped[Statement] = relationship(lazy="joined")


class MispAttributeTag(Base):
    __tablename__ = "misp_attribute_tags"
    __table_args__ = (UniqueConstraint("attribute_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("misp_attributes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    local: Mapped[bool] = mapped_column(Boolean, default=False)
