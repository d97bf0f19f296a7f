"""Reading MISP event JSON (wrapped in ``{"Event": ...}`` or not) into checked values.

Event-level faults stop the event (InvalidInput naming ``Event.<field>``); attribute-level faults
reject that attribute only, with its path (``Attribute[3].value``) and the reason, so the good ones
are kept. Numbers may come as strings and booleans as ``"0"``/``"1"``, as MISP writes them.
Attributes inside MISP objects are read as attributes of the event, keeping their object relation.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from aspjoc.errors import InvalidInput


@dataclass(frozen=True)
class TagIn:
    name: str
    local: bool = False


@dataclass(frozen=True)
class Rejected:
    """An attribute that was not stored: where it was, what it said, and why."""

    path: str
    type: str
    value: str
    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "type": self.type, "value": self.value, "field": self.field, "reason": self.reason}


@dataclass
class AttributeIn:
    path: str
    uuid: str | None
    type: str
    value: str
    category: str | None = None
    to_ids: bool | None = None
    comment: str = ""
    distribution: int = 5
    sharing_group_id: int | None = None
    sharing_group_name: str | None = None
    tags: list[TagIn] = field(default_factory=list)
    deleted: bool = False
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    object_relation: str | None = None
    # The distribution of the MISP object holding the attribute; 5 (inherit) outside objects.
    object_distribution: int = 5
    object_sharing_group_id: int | None = None
    object_sharing_group_name: str | None = None


@dataclass
class EventIn:
    info: str
    uuid: str | None = None
    date: date | None = None
    threat_level_id: int = 4
    analysis: int = 0
    distribution: int = 1
    sharing_group_id: int | None = None
    sharing_group_name: str | None = None
    published: bool = False
    timestamp: int | None = None
    orgc_name: str | None = None
    orgc_uuid: str | None = None
    tags: list[TagIn] | None = None
    attributes: list[AttributeIn] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def unwrap(body: Any) -> dict[str, Any]:
    """The event object of ``body``, which may be ``{"Event": {...}}`` or the event itself."""
    if isinstance(body, dict) and isinstance(body.get("Event"), dict):
        body = body["Event"]
    if not isinstance(body, dict):
        raise InvalidInput("Event", "the body must be a JSON object: an event, or {\"Event\": {...}}")
    return body


def as_int(value: Any, where: str, low: int, high: int) -> int:
    """``value`` (an int or a numeric string) checked to lie in [low, high]; InvalidInput naming ``where`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInput(where, f"must be a number from {low} to {high}")
    try:
        number = int(value)
    except ValueError as exc:
        raise InvalidInput(where, f"'{value}' is not a number from {low} to {high}") from exc
    if not low <= number <= high:
        raise InvalidInput(where, f"{number} is out of range; use {low} to {high}")
    return number


def as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false", ""):
        return False
    raise InvalidInput(where, f"'{value}' is not a boolean; use true, false, 0 or 1")


def as_uuid(value: Any, where: str) -> str:
    try:
        return str(uuidlib.UUID(str(value)))
    except ValueError as exc:
        raise InvalidInput(where, f"'{value}' is not a UUID") from exc


def as_date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise InvalidInput(where, f"'{value}' is not a date (YYYY-MM-DD)") from exc


def as_time(value: Any, where: str) -> datetime:
    """A MISP time: Unix seconds (number or string) or an ISO 8601 text."""
    text = str(value).strip()
    try:
        if text.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError) as exc:
        raise InvalidInput(where, f"'{value}' is not a time (Unix seconds or ISO 8601)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def tags_of(raw: Any, where: str) -> list[TagIn]:
    """Tags given as ``[{"name": ..., "local": ...}]`` or as plain names."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidInput(where, "must be a list of tags")
    tags = []
    for i, item in enumerate(raw):
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise InvalidInput(f"{where}[{i}].name", "a tag needs a name of 1 to 255 characters")
        local = as_bool(item.get("local", False), f"{where}[{i}].local") if isinstance(item, dict) else False
        tags.append(TagIn(name.strip(), local))
    return tags


def _group(raw: dict[str, Any], where: str) -> tuple[int | None, str | None]:
    group_id = raw.get("sharing_group_id")
    number = as_int(group_id, f"{where}.sharing_group_id", 0, 2**31) if group_id not in (None, "", "0", 0) else None
    group = raw.get("SharingGroup")
    name = group.get("name") if isinstance(group, dict) and isinstance(group.get("name"), str) else None
    return number, name


def _attribute(raw: Any, path: str) -> AttributeIn:
    if not isinstance(raw, dict):
        raise InvalidInput(path, "an attribute must be a JSON object")
    kind, value = raw.get("type"), raw.get("value")
    if not isinstance(kind, str) or not kind:
        raise InvalidInput(f"{path}.type", "an attribute needs a type")
    if not isinstance(value, (str, int)) or str(value).strip() == "":
        raise InvalidInput(f"{path}.value", "an attribute needs a value")
    group_id, group_name = _group(raw, path)
    return AttributeIn(
        path=path, type=kind, value=str(value).strip(),
        uuid=as_uuid(raw["uuid"], f"{path}.uuid") if raw.get("uuid") else None,
        category=str(raw["category"]) if raw.get("category") else None,
        to_ids=as_bool(raw["to_ids"], f"{path}.to_ids") if raw.get("to_ids") is not None else None,
        comment=str(raw.get("comment") or "")[:20000],
        distribution=as_int(raw.get("distribution", 5), f"{path}.distribution", 0, 5),
        sharing_group_id=group_id, sharing_group_name=group_name,
        tags=tags_of(raw.get("Tag"), f"{path}.Tag"),
        deleted=as_bool(raw.get("deleted", False), f"{path}.deleted"),
        first_seen=as_time(raw["first_seen"], f"{path}.first_seen") if raw.get("first_seen") else None,
        last_seen=as_time(raw["last_seen"], f"{path}.last_seen") if raw.get("last_seen") else None,
        object_relation=str(raw["object_relation"])[:128] if raw.get("object_relation") else None,
    )


def _in_object(raw: Any, path: str, obj: dict[str, Any], where: str) -> AttributeIn:
    """An attribute of the MISP object ``obj`` (at ``where``), carrying the object's distribution."""
    attribute = _attribute(raw, path)
    attribute.object_distribution = as_int(obj.get("distribution", 5), f"{where}.distribution", 0, 5)
    attribute.object_sharing_group_id, attribute.object_sharing_group_name = _group(obj, where)
    return attribute


def _attributes(event: dict[str, Any]) -> tuple[list[AttributeIn], list[Rejected]]:
    raws: list[tuple[str, Any, dict[str, Any] | None, str]] = [
        (f"Attribute[{i}]", a, None, "") for i, a in enumerate(_list(event, "Attribute"))]
    for o, obj in enumerate(_list(event, "Object")):
        inner = obj.get("Attribute") if isinstance(obj, dict) else None
        raws += [(f"Object[{o}].Attribute[{i}]", a, obj, f"Object[{o}]")
                 for i, a in enumerate(inner if isinstance(inner, list) else [])]
    good: list[AttributeIn] = []
    bad: list[Rejected] = []
    for path, raw, obj, where in raws:
        try:
            good.append(_attribute(raw, path) if obj is None else _in_object(raw, path, obj, where))
        except InvalidInput as exc:
            shown = raw if isinstance(raw, dict) else {}
            bad.append(Rejected(path, str(shown.get("type", "")), str(shown.get("value", ""))[:200], exc.field, exc.reason))
    return good, bad


def _list(event: dict[str, Any], key: str) -> list[Any]:
    value = event.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"Event.{key}", "must be a list")
    return value


def read_event(body: Any, require_info: bool = True) -> EventIn:
    """Check a MISP event; raise InvalidInput for an event-level fault, collect attribute faults in ``rejected``."""
    raw = unwrap(body)
    info = raw.get("info")
    if require_info and (not isinstance(info, str) or not info.strip()):
        raise InvalidInput("Event.info", "an event needs an info text")
    if isinstance(info, str) and len(info) > 20000:
        raise InvalidInput("Event.info", "is longer than 20,000 characters")
    orgc: dict[str, Any] = raw["Orgc"] if isinstance(raw.get("Orgc"), dict) else {}
    group_id, group_name = _group(raw, "Event")
    attributes, rejected = _attributes(raw)
    return EventIn(
        info=info.strip() if isinstance(info, str) else "",
        uuid=as_uuid(raw["uuid"], "Event.uuid") if raw.get("uuid") else None,
        date=as_date(raw["date"], "Event.date") if raw.get("date") else None,
        threat_level_id=as_int(raw.get("threat_level_id", 4), "Event.threat_level_id", 1, 4),
        analysis=as_int(raw.get("analysis", 0), "Event.analysis", 0, 2),
        distribution=as_int(raw.get("distribution", 1), "Event.distribution", 0, 4),
        sharing_group_id=group_id, sharing_group_name=group_name,
        published=as_bool(raw.get("published", False), "Event.published"),
        timestamp=int(as_time(raw["timestamp"], "Event.timestamp").timestamp()) if raw.get("timestamp") else None,
        orgc_name=str(orgc["name"])[:200] if orgc.get("name") else None,
        orgc_uuid=as_uuid(orgc["uuid"], "Event.Orgc.uuid") if orgc.get("uuid") else None,
        tags=tags_of(raw["Tag"], "Event.Tag") if "Tag" in raw else None,
        attributes=attributes, rejected=rejected,
    )
