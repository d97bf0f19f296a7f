"""Per-country packages: generated together, stored, each readable by its country's organisation only.

A package holds what its recipient organisation may see, which may be more than (or other than) what the
lead may see, so the stored package is marked for the recipient alone; the lead learns which countries'
packages were made, not their contents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import NotFound
from aspjoc.intel.models import Notice
from aspjoc.marking import MarkingSpec, marking_id_for
from aspjoc.operations import scope
from aspjoc.operations.models import Operation, Package
from aspjoc.operations.package_content import build_content
from aspjoc.operations.package_render import font_configuration, render_html, render_pdf
from aspjoc.operations.package_stix import build_bundle

Progress = Callable[[Organisation], None]


def _store(session: Session, operation: Operation, org: Organisation, now: datetime, user_id: int | None,
           fonts: Any) -> Package:
    content = build_content(session, operation, org, now)
    html = render_html(content)
    pdf = render_pdf(html, fonts)
    stix = build_bundle(session, content, now)
    marking_id = marking_id_for(session, MarkingSpec(org.id, content.tlp, orgs=frozenset({org.id})))
    package = session.scalar(select(Package).where(Package.operation_id == operation.id, Package.org_id == org.id))
    if package is None:
        package = Package(operation_id=operation.id, org_id=org.id)
        session.add(package)
    package.country = content.country
    package.targets = len(content.targets)
    package.tlp = int(content.tlp)
    package.html = html
    package.pdf = pdf
    package.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    package.stix = stix
    package.marking_id = marking_id
    package.generated_by_user_id = user_id
    package.generated_at = now
    session.add(Notice(org_id=org.id, kind="package", created_at=now,
                       message=f"Your activity report for {operation.title} is ready "
                               f"({package.targets} target{'s' if package.targets != 1 else ''})."))
    session.flush()
    return package


def generate_packages(session: Session, operation: Operation, now: datetime, by: Principal | None = None,
                      progress: Progress | None = None) -> list[Package]:
    """(Re)generate the package of every participating law-enforcement (or hub) organisation; returns them.

    Trusted callers only: the CLI passes ``by=None``; the console and API go through ``generate_for``.
    """
    packages = []
    fonts = font_configuration()
    for org in scope.acting_orgs(session, operation):
        packages.append(_store(session, operation, org, now, by.user_id if by else None, fonts))
        if progress is not None:
            progress(org)
    audit.record(session, by, "operation.packages.generate", now, "operation", operation.id,
                 {"packages": [[p.country, p.org_id] for p in packages]})
    return packages


def generate_for(session: Session, principal: Principal, operation_id: int, now: datetime) -> list[str]:
    """Generate all packages of a visible operation (lead organisation only); returns the countries served."""
    require(principal, Permission.WRITE_INTEL)
    operation = scope.visible_operation(session, principal, operation_id)
    scope.require_lead(principal, operation)
    return sorted({p.country for p in generate_packages(session, operation, now, principal)})


def list_packages(session: Session, principal: Principal, operation_id: int) -> list[Package]:
    """The packages of a visible operation that ``principal`` may read (its own organisation's, as a rule)."""
    operation = scope.visible_operation(session, principal, operation_id)
    return list(session.scalars(select(Package).where(Package.operation_id == operation.id, gate(principal, Package))
                                .order_by(Package.country, Package.org_id)).unique())


def get_package(session: Session, principal: Principal, operation_id: int, package_id: int, now: datetime,
                form: str) -> Package:
    """One readable package; the read is audited with its ``form`` (html, pdf, stix). NotFound otherwise."""
    operation = scope.visible_operation(session, principal, operation_id)
    package = session.scalar(select(Package).where(Package.id == package_id, Package.operation_id == operation.id,
                                                   gate(principal, Package)))
    if package is None:
        raise NotFound("package", f"no package {package_id} in operation {operation_id}")
    audit.record(session, principal, "operation.package.read", now, "operation_package", package.id, {"form": form})
    return package
