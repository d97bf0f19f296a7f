"""Domain errors. Each names the field (or line) at fault and the reason.

One handler in ``aspjoc.web.errors`` renders them: JSON for the API, a page for
the console. Code raises these and catches them by name; nothing else.
"""

from __future__ import annotations


class AspjocError(Exception):
    """Base of every error the platform reports to a user."""

    status_code = 400
    code = "invalid"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "field": self.field, "reason": self.reason}


class InvalidInput(AspjocError):
    """A value was malformed or out of range."""

    status_code = 422
    code = "invalid_input"


class InvalidObservable(InvalidInput):
    """An identifier could not be typed or canonicalised."""

    code = "invalid_observable"


class NotFound(AspjocError):
    """The record does not exist, or the caller may not see it (the two answer alike)."""

    status_code = 404
    code = "not_found"


class PermissionDenied(AspjocError):
    """The caller is known but its role does not allow the action on a record it may see."""

    status_code = 403
    code = "forbidden"


class Conflict(AspjocError):
    """The change clashes with the stored state (a duplicate name, a stale version)."""

    status_code = 409
    code = "conflict"


class AuthenticationFailed(AspjocError):
    """Missing, wrong, expired or locked credentials."""

    status_code = 401
    code = "unauthenticated"


class RateLimited(AspjocError):
    """Too many requests from one client; ``retry_after`` is in seconds."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, field: str, reason: str, retry_after: int) -> None:
        super().__init__(field, reason)
        self.retry_after = retry_after
