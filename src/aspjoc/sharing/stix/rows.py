"""The flat rows STIX objects are built from: one SELECT per page, recipients in one more.

Serving paths (TAXII pages, exports, pushes) read plain column tuples rather than ORM objects:
a page of a thousand statements costs two queries and no per-row loading.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, String, bindparam, select, type_coerce
from sqlalchemy.orm import Session, aliased

from aspjoc.accounts.models import Organisation, SharingGroup, User
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import Marking, MarkingRecipient

OWNER = aliased(Organisation, name="owner_org")



def _as_stored(column: Any, name: str) -> Any:
    """A timestamp column read as the database hands it over: text on SQLite, which ``vocab.stamp``
    turns into STIX text without parsing it into a datetime first (the serving path's largest cost)."""
    return type_coerce(column, String()).label(name)


COLUMNS = (
    Statement.id, Statement.uuid, Statement.kind, Statement.crime_type, Statement.confidence,
    Statement.reliability, Statement.credibility, _as_stored(Statement.first_seen, "first_seen"),
    _as_stored(Statement.last_seen, "last_seen"), _as_stored(Statement.valid_until, "valid_until"),
    _as_stored(Statement.retention_until, "retention_until"), Statement.sightings, Statement.source,
    Statement.description, Statement.withdrawn, _as_stored(Statement.created_at, "created_at"),
    _as_stored(Statement.updated_at, "updated_at"),
    Statement.marking_id, Statement.owner_org_id,
    Observable.type.label("obs_type"), Observable.value.label("obs_value"),
    OWNER.name.label("owner_name"), OWNER.country.label("owner_country"), OWNER.kind.label("owner_kind"),
    _as_stored(OWNER.created_at, "owner_created"),
    Marking.tlp, Marking.handling, Marking.public_use, Statement.tags,
)


# The order IndicatorBuilder.build unpacks rows in; a test keeps the two in step.
FIELDS = tuple(column.key for column in COLUMNS)


def statement_rows() -> Select[Any]:
    """SELECT of every column a STIX indicator needs, joined; callers add the gate and their filters."""
    query: Select[Any] = select(*COLUMNS)  # type: ignore[assignment]
    return (query
            .join(Observable, Observable.id == Statement.observable_id)
            .join(OWNER, OWNER.id == Statement.owner_org_id)
            .join(Marking, Marking.id == Statement.marking_id))


@dataclass
class Recipients:
    """Named recipients of one marking, by name (organisations, groups) and e-mail (users)."""

    organisations: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    users: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The named recipients, leaving out empty lists (an empty dict when there are none)."""
        found: dict[str, Any] = {}
        if self.organisations:
            found["organisations"] = sorted(self.organisations)
        if self.groups:
            found["groups"] = sorted(self.groups)
        if self.users:
            found["users"] = sorted(self.users, key=lambda u: u["email"])
        return found


class RecipientCache:
    """Recipients by marking id, loaded in one query for every marking not seen before (no session: preloaded only)."""

    def __init__(self, session: Session | None) -> None:
        self.session = session
        self.found: dict[int, Recipients] = {}

    def load(self, marking_ids: Iterable[int]) -> dict[int, Recipients]:
        missing = {m for m in marking_ids if m not in self.found}
        if missing and self.session is not None:
            self.found.update(_recipients(self.session, missing))
            for marking_id in missing:
                self.found.setdefault(marking_id, Recipients())
        return self.found


def _recipients_query() -> Select[Any]:
    r = MarkingRecipient
    named_org = aliased(Organisation, name="named_org")
    user_org = aliased(Organisation, name="user_org")
    query: Select[Any] = (select(r.marking_id, named_org.name, SharingGroup.name, User.email, user_org.name)  # type: ignore[assignment]
                          .outerjoin(named_org, named_org.id == r.org_id)
                          .outerjoin(SharingGroup, SharingGroup.id == r.group_id)
                          .outerjoin(User, User.id == r.user_id)
                          .outerjoin(user_org, user_org.id == r.user_org_id)
                          .where(r.marking_id.in_(bindparam("marking_ids", expanding=True))))
    return query


# Built once: constructing this five-way join cost more than running it, page after page.
RECIPIENTS = _recipients_query()


def _recipients(session: Session, marking_ids: set[int]) -> dict[int, Recipients]:
    found: dict[int, Recipients] = defaultdict(Recipients)
    rows = session.connection().execute(RECIPIENTS, {"marking_ids": sorted(marking_ids)})
    for marking_id, org_name, group_name, email, email_org in rows:
        out = found[marking_id]
        if org_name is not None:
            out.organisations.append(org_name)
        if group_name is not None:
            out.groups.append(group_name)
        if email is not None:
            out.users.append({"email": email, "organisation": email_org or ""})
    return found
