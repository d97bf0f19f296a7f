"""Undo the usual defanging of indicators (``hxxp``, ``[.]``, ``[at]`` …) in text."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"\b(?:h(?:xx|\*\*|xt|tx)p(s?)|fxp(s?))\b", re.IGNORECASE)
# One pass over every bracketed token: "[.]" "(dot)" "{at}" "[:]" "[://]" "[/]" …
_BRACKETED = re.compile(
    r"([ \t]*)[\[({][ \t]*(\.|dot|@|at|://|:|/)[ \t]*[\])}]([ \t]*)", re.IGNORECASE
)
_BRACKET_TOKENS = {
    ".": ".",
    "dot": ".",
    "@": "@",
    "at": "@",
    "://": "://",
    ":": ":",
    "/": "/",
}
# Spaces around a bracketed dot or at belong to the defang ("example [.] com"); around
# the other tokens they are kept.
_EATS_SPACES = frozenset({".", "dot", "@", "at"})
_ESCAPED_DOT = re.compile(r"\\\.")
_SPACED_SEPARATOR = re.compile(
    r"\b(https?|ftps?|wss?)[ \t]*:[ \t]*//[ \t]*", re.IGNORECASE
)
_BRACKETS = re.compile(r"[\[({]")


def refang(text: str) -> str:
    """Return ``text`` with defanged indicators restored; clean text comes back unchanged.

    Handles ``hxxp``/``hxxps``/``h**p``/``fxp`` schemes, ``[.]`` ``(.)`` ``{.}`` ``[dot]``,
    ``[:]``, ``[://]``, ``[/]``, ``[@]`` ``[at]``, ``\\.`` and spaces around ``://`` after a
    scheme, all case-insensitively. Brackets that hold anything else are left alone.
    """
    # Ingest calls this once per line and most lines are clean: substring tests cost a
    # fraction of a regex scan, so each rewrite runs only when its marker is present.
    lower = text.lower()
    if "xp" in lower or "*p" in lower or "xtp" in lower:
        text = _SCHEME.sub(_scheme, text)
    if _BRACKETS.search(text) is not None:
        text = _BRACKETED.sub(_bracketed, text)
    if "\\" in text:
        text = _ESCAPED_DOT.sub(".", text)
    if " :" in text or "// " in text or ": /" in text:
        text = _SPACED_SEPARATOR.sub(r"\1://", text)
    return text


def _scheme(match: re.Match[str]) -> str:
    secure = "s" if match.group(1) or match.group(2) else ""
    return ("ftp" if match.group(0)[0] in "fF" else "http") + secure


def _bracketed(match: re.Match[str]) -> str:
    token = match.group(2).lower()
    if token in _EATS_SPACES:
        return _BRACKET_TOKENS[token]
    return match.group(1) + _BRACKET_TOKENS[token] + match.group(3)
