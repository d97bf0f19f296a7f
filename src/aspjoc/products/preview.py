"""A product rendered straight to a file, without being stored (``aspjoc report ...``).

The result is a draft in every rendering ("not approved for release"): approval and publication
go through the stored workflow. The generation is audited, since it reads the author's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation, User
from aspjoc.countries import country_name
from aspjoc.marking import Marking, MarkingSpec, marking_id_for
from aspjoc.products.audience import audience_of
from aspjoc.products.generate import generate
from aspjoc.products.models import Product, ProductKind, ProductStatus
from aspjoc.products.scope import Scope


def default_title(kind: ProductKind, scope: Scope) -> str:
    where = ", ".join(country_name(c) for c in scope.countries) if scope.countries else "the region"
    threat = f" — {scope.crime_type.replace('_', ' ')}" if scope.crime_type else ""
    return f"{kind.heading} for {where}{threat}, {scope.start:%-d %B %Y} to {scope.end:%-d %B %Y}"


def preview(session: Session, principal: Principal, kind: ProductKind, scope: Scope, spec: MarkingSpec, now: datetime,
            title: str = "", progress: Callable[[str], None] | None = None) -> Product:
    """A transient product (never added to the session) with its content generated for the audience of ``spec``."""
    assert principal.org_id is not None
    marking = session.get(Marking, marking_id_for(session, spec))
    org = session.get(Organisation, principal.org_id)
    author = session.get(User, principal.user_id) if principal.user_id else None
    assert marking is not None and org is not None
    product = Product(uuid=str(uuid.uuid4()), kind=kind.value, title=title or default_title(kind, scope), status=ProductStatus.DRAFT.value,
                      marking_id=marking.id, author_org_id=org.id, author_user_id=author.id if author else None,
                      period_start=scope.start, period_end=scope.end, countries=",".join(scope.countries),
                      crime_type=scope.crime_type, summary="", body="", detection="", prevention="",
                      created_at=now, updated_at=now)
    product.marking, product.author_org, product.author, product.approver = marking, org, author, None  # type: ignore[assignment]
    audience = audience_of(session, marking, principal)
    content = generate(session, kind, scope, audience, now, progress)
    product.content, product.generated_at = content.model_dump_json(), now
    audit.record(session, principal, "product.preview", now, "product", product.uuid,
                 {"kind": kind.value, "from": str(scope.start), "to": str(scope.end), "countries": list(scope.countries),
                  "audience": audience.description, "left_out": content.left_out})
    return product
