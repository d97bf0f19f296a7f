"""Markings: TLP 2.0 level, recipients, handling codes and public-use consent.

A marking is stored once and shared by every record that carries the same one
(a feed of a million lines under one marking makes one row), so the access gate
works on a small table. Source reliability, credibility and retention vary per
record and live on the record itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag

from sqlalchemy import Boolean, ForeignKey, Integer, SmallInteger, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from aspjoc.db import Base
from aspjoc.errors import InvalidInput


class TLP(IntEnum):
    """TLP 2.0 levels, ordered from widest to narrowest audience."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "+")

    @classmethod
    def parse(cls, text: str, field_name: str = "marking.tlp") -> TLP:
        """Read ``clear``, ``TLP:AMBER+STRICT``, ``white`` (TLP 1.0) and the like; raise InvalidInput otherwise."""
        key = text.strip().lower().removeprefix("tlp:").replace(" ", "")
        key = {"white": "clear", "amber_strict": "amber+strict", "amberstrict": "amber+strict"}.get(key, key)
        for level in cls:
            if level.label == key:
                return level
        raise InvalidInput(field_name, f"'{text}' is not a TLP level; use clear, green, amber, amber+strict or red")


class Handling(IntFlag):
    """Handling codes; each narrows what recipients may do beyond seeing the record."""

    NONE = 0
    NO_ONWARD_SHARING = 1
    NO_EXPORT = 2
    NO_COURT_USE = 4
    VERIFY_BEFORE_ACTION = 8
    NOTIFY_OWNER = 16

    @classmethod
    def parse_many(cls, names: list[str], field_name: str = "marking.handling") -> Handling:
        flags = cls.NONE
        for name in names:
            key = name.strip().upper().replace("-", "_").replace(" ", "_")
            if key not in cls.__members__ or key == "NONE":
                allowed = ", ".join(h.name.lower() for h in cls if h.name != "NONE")  # type: ignore[union-attr]
                raise InvalidInput(field_name, f"'{name}' is not a handling code; use {allowed}")
            flags |= cls[key]
        return flags

    def names(self) -> list[str]:
        return [h.name.lower() for h in Handling if h and h in self and h.name]  # type: ignore[union-attr]


class Marking(Base):
    __tablename__ = "markings"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    tlp: Mapped[int] = mapped_column(SmallInteger)
    handling: Mapped[int] = mapped_column(Integer, default=0)
    public_use: Mapped[bool] = mapped_column(Boolean, default=False)
    has_recipients: Mapped[bool] = mapped_column(Boolean, default=False)


class MarkingRecipient(Base):
    """One named recipient: an organisation, a user (with the user's organisation kept beside it) or a sharing group."""

    __tablename__ = "marking_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    user_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("sharing_groups.id"), index=True)


@dataclass(frozen=True)
class MarkingSpec:
    """A marking with its recipients resolved to ids. ``users`` maps user id to the user's organisation id."""

    owner_org_id: int
    tlp: TLP
    orgs: frozenset[int] = frozenset()
    users: frozenset[tuple[int, int]] = frozenset()
    groups: frozenset[int] = frozenset()
    handling: Handling = Handling.NONE
    public_use: bool = False
    _fingerprint: str = field(default="", compare=False, repr=False)

    def fingerprint(self) -> str:
        parts = [
            str(self.owner_org_id), str(int(self.tlp)), str(int(self.handling)), str(int(self.public_use)),
            ",".join(map(str, sorted(self.orgs))),
            ",".join(f"{u}@{o}" for u, o in sorted(self.users)),
            ",".join(map(str, sorted(self.groups))),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


def marking_id_for(session: Session, spec: MarkingSpec) -> int:
    """Return the id of the stored marking equal to ``spec``, storing it first if it is new."""
    fingerprint = spec.fingerprint()
    found = session.scalar(select(Marking.id).where(Marking.fingerprint == fingerprint))
    if found is not None:
        return found
    marking = Marking(
        fingerprint=fingerprint,
        owner_org_id=spec.owner_org_id,
        tlp=int(spec.tlp),
        handling=int(spec.handling),
        public_use=spec.public_use,
        has_recipients=bool(spec.orgs or spec.users or spec.groups),
    )
    session.add(marking)
    session.flush()
    rows = [MarkingRecipient(marking_id=marking.id, org_id=o) for o in sorted(spec.orgs)]
    rows += [MarkingRecipient(marking_id=marking.id, user_id=u, user_org_id=o) for u, o in sorted(spec.users)]
    rows += [MarkingRecipient(marking_id=marking.id, group_id=g) for g in sorted(spec.groups)]
    session.add_all(rows)
    session.flush()
    return marking.id
