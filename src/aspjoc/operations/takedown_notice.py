"""The text of a takedown notice: the identifier, the grounds, the statements and the files with their SHA-256."""

from __future__ import annotations

from dataclasses import dataclass

from aspjoc.intel.models import Statement
from aspjoc.marking import TLP
from aspjoc.operations.evidence.models import EvidenceItem
from aspjoc.operations.models import Operation, Target
from aspjoc.operations.takedown_evidence import Evidence


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str
    tlp: TLP


def _statement_line(s: Statement) -> str:
    head = (f"- [TLP:{TLP(s.marking.tlp).label.upper()}] {s.owner.name} · {s.kind} · confidence {s.confidence} · "
            f"seen {s.first_seen:%Y-%m-%d} to {s.last_seen:%Y-%m-%d}")
    return head + (f"\n  {s.description}" if s.description else "")


def _file_line(item: EvidenceItem) -> str:
    line = f"- {item.filename} ({item.content_type}, {item.size:,} bytes)\n  SHA-256 {item.sha256}"
    return line + (f"\n  {item.description.strip()}" if item.description.strip() else "")


def _files(evidence: Evidence, reference: str) -> list[str]:
    lines = [f"Files attached ({len(evidence.files)}), each with the SHA-256 it had when it was taken into evidence:"]
    lines += [_file_line(i) for i in evidence.files] or ["- none"]
    if evidence.too_large:
        lines += ["", f"Files too large to attach (ask us for them, quoting {reference}):"]
        lines += [_file_line(i) for i in evidence.too_large]
    return lines


def compose_notice(operation: Operation, target: Target, sender: str, provider: str, grounds: str,
                   evidence: Evidence, tlp: TLP, response_hours: int, reference: str) -> Notice:
    """The notice's subject and text, marked ``tlp`` (the most restrictive of the evidence)."""
    assert target.observable is not None
    obs = target.observable
    crime = operation.crime_type.replace("_", " ")
    statements = evidence.statements
    lines = [
        f"TLP:{tlp.label.upper()} (FIRST TLP 2.0): share only as this level allows.", "",
        f"To: {provider}", f"From: {sender}, for {operation.title} ({crime})", f"Reference: {reference}", "",
        f"We ask you to take down or suspend this {obs.type.replace('_', ' ')}:", "", f"    {obs.value}", "",
        "Grounds:", grounds.strip() or f"It is used for {crime} against the public.", "",
        f"Evidence ({len(statements)} statement{'s' if len(statements) != 1 else ''}):",
        *([_statement_line(s) for s in statements] or ["- none that can be shared with you; ask us for details."]), "",
        *_files(evidence, reference), "",
        f"Please answer within {response_hours} hours, quoting {reference}: whether it has been taken down, or why not.",
    ]
    subject = f"[TLP:{tlp.label.upper()}] Takedown request {reference}: {obs.type.replace('_', ' ')} {obs.value}"
    return Notice(subject[:300], "\n".join(lines), tlp)
