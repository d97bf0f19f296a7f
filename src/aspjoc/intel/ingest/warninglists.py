"""Known-good values from the MISP warning lists (pymispwarninglists, offline): public resolvers, top domains, benign hashes.

Matching follows ``WarningLists(slow_search=False)``: a value is on a list when it equals one of the
list's entries. Three things differ, for speed and memory:

* ``WarningLists.search`` tests every one of the ~119 lists in turn (about 15 µs a value, 15 s for
  a million) and the loaded lists hold ~350 MB. Here each list is read with pymispwarninglists' own
  ``WarningList`` class, one file at a time, and folded into one sorted array of 64-bit digests of
  the entries (~25 MB); a batch of look-ups is one vectorised binary search.
* Folding 2.5 million entries takes several seconds, so the folded index is kept in a cache file
  (``$XDG_CACHE_HOME/aspjoc``, by default ``~/.cache/aspjoc``), named after the pymispwarninglists version; a
  process loads it in milliseconds. Without a writable cache folder it is built in memory.
* a list only applies to the observable types its ``matching_attributes`` name (a benign-hash list
  does not flag a phone number); a URL is also checked by its host against hostname lists, as MISP does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pymispwarninglists.api import WarningList

# Located without importing the package: importing it pulls in jsonschema's format checkers, over a
# second of start-up for every command, while the lists are only read to (re)build the cached index.
_SPEC = find_spec("pymispwarninglists")
assert _SPEC is not None and _SPEC.origin is not None, "pymispwarninglists is a dependency"
LISTS = Path(_SPEC.origin).resolve().parent / "data" / "misp-warninglists" / "lists"
FORMAT_VERSION = 1  # of the cache file; bump when the folding changes

# Our observable types → the MISP attribute types a list names in ``matching_attributes``.
MISP_TYPES: dict[str, frozenset[str]] = {
    "ipv4": frozenset({"ip-src", "ip-dst", "domain|ip", "ip-src|port", "ip-dst|port"}),
    "ipv6": frozenset({"ip-src", "ip-dst", "domain|ip", "ip-src|port", "ip-dst|port"}),
    "cidr": frozenset({"ip-src", "ip-dst"}),
    "domain": frozenset({"domain", "hostname", "domain|ip"}),
    "url": frozenset({"url", "uri", "link"}),
    "email": frozenset({"email-src", "email-dst", "target-email", "whois-registrant-email"}),
    "md5": frozenset({"md5", "filename|md5"}),
    "sha1": frozenset({"sha1", "filename|sha1"}),
    "sha256": frozenset({"sha256", "filename|sha256"}),
    "phone": frozenset({"phone-number", "whois-registrant-phone"}),
}


def digest(text: str) -> int:
    """A stable signed 64-bit digest of ``text`` (stable across processes, unlike ``hash``)."""
    return int.from_bytes(_digest_bytes(text), "little", signed=True)


def _digest_bytes(text: str) -> bytes:
    """``digest`` as its 8 little-endian bytes (a batch of them is one ``np.frombuffer``)."""
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


@dataclass(frozen=True)
class ListInfo:
    name: str
    types: frozenset[str]  # our observable types the list applies to
    hosts_of_urls: bool  # a hostname list also matches the host of a URL


@dataclass(frozen=True)
class WarningIndex:
    """Sorted digests of every list entry, the list each came from, and what each list applies to."""

    digests: np.ndarray  # int64, sorted
    owners: np.ndarray  # uint16 index into ``lists``, aligned with ``digests``
    lists: tuple[ListInfo, ...]

    def lists_for_many(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, ...]]:
        """For each (type, canonical value), the sorted names of the warning lists holding it; () for none."""
        found: list[tuple[str, ...]] = [()] * len(pairs)
        # What is looked up: each value of a type some list applies to, and the host of each URL.
        wanted = [(position, type, False) for position, (type, _) in enumerate(pairs) if type in MISP_TYPES]
        texts = [pairs[position][1] for position, _, _ in wanted]
        for position, type, _ in wanted[:len(texts)]:
            if type == "url":
                host = _host(pairs[position][1])
                if host:
                    wanted.append((position, type, True))
                    texts.append(host)
        if not texts:
            return found
        probe = np.frombuffer(b"".join([_digest_bytes(t) for t in texts]), dtype="<i8")
        # Probing in sorted order walks the index once instead of jumping around it.
        order = np.argsort(probe, kind="stable")
        ordered = probe[order]
        left = np.searchsorted(self.digests, ordered, side="left")
        hits = np.nonzero(self.digests[np.minimum(left, len(self.digests) - 1)] == ordered)[0]
        for i in hits:
            position, type, by_host = wanted[int(order[i])]
            right = int(np.searchsorted(self.digests, ordered[i], side="right"))
            infos = (self.lists[int(o)] for o in self.owners[left[i]:right])
            names = {info.name for info in infos if (info.hosts_of_urls if by_host else type in info.types)}
            if names:
                found[position] = tuple(sorted({*found[position], *names}))
        return found

    def lists_for(self, type: str, value: str) -> tuple[str, ...]:
        """Names of the warning lists that hold ``value`` (canonical) as observable ``type``; () when none."""
        return self.lists_for_many([(type, value)])[0]


def _host(url: str) -> str | None:
    """The host of a canonical URL (``scheme://[user@]host[:port]/…``), by string slicing: it runs per URL ingested."""
    start = url.find("://")
    if start < 0:
        return None
    end = url.find("/", start + 3)
    netloc = url[start + 3:] if end < 0 else url[start + 3:end]
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[1:host.find("]")] or None
    return host.partition(":")[0] or None


def _entries(warninglist: WarningList) -> Iterable[str]:
    """The list's entries as canonical values read (lowercase; "8.8.8.8/32" as the address itself)."""
    entries = set(map(str.lower, warninglist.set))
    if warninglist.type == "cidr":
        entries = {e.removesuffix("/32").removesuffix("/128") for e in entries}
    return entries


def _info(warninglist: WarningList) -> ListInfo:
    attributes = set(getattr(warninglist, "matching_attributes", None) or ())
    types = frozenset(t for t, misp in MISP_TYPES.items() if not attributes or attributes & misp)
    return ListInfo(warninglist.name, types, warninglist.type == "hostname" and "url" in types)


def build_index() -> WarningIndex:
    """Read every shipped warning list, one file at a time, and fold them into a ``WarningIndex``."""
    from pymispwarninglists.api import WarningList

    lists: list[ListInfo] = []
    digests: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for path in sorted(LISTS.glob("*/list.json")):
        with path.open(encoding="utf-8") as handle:
            warninglist = WarningList(json.load(handle), slow_search=False)
        entries = list(_entries(warninglist))
        digests.append(np.fromiter(map(digest, entries), dtype=np.int64, count=len(entries)))
        owners.append(np.full(len(entries), len(lists), dtype=np.uint16))
        lists.append(_info(warninglist))
    all_digests = np.concatenate(digests)
    order = np.argsort(all_digests, kind="stable")
    return WarningIndex(all_digests[order], np.concatenate(owners)[order], tuple(lists))


def cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aspjoc" / f"warninglists-{version('pymispwarninglists')}-v{FORMAT_VERSION}.npz"


def _save(found: WarningIndex, path: Path) -> None:
    infos = json.dumps([[i.name, sorted(i.types), i.hosts_of_urls] for i in found.lists])
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so a concurrent reader never sees half a file.
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
        np.savez(handle, digests=found.digests, owners=found.owners, infos=np.array(infos))
    os.replace(handle.name, path)


def _load(path: Path) -> WarningIndex:
    with np.load(path) as data:
        infos = json.loads(str(data["infos"]))
        lists = tuple(ListInfo(name, frozenset(types), bool(hosts)) for name, types, hosts in infos)
        return WarningIndex(data["digests"], data["owners"], lists)


@functools.lru_cache(maxsize=1)
def index() -> WarningIndex:
    """The process's index: loaded from the cache file, or built (several seconds) and cached."""
    path = cache_file()
    try:
        return _load(path)
    except (OSError, ValueError, KeyError):
        pass  # no cache yet, or an unreadable one: build it
    found = build_index()
    try:
        _save(found, path)
    except OSError:
        pass  # a read-only home: keep the index in memory only
    return found


def lists_for(type: str, value: str) -> tuple[str, ...]:
    """Names of the warning lists holding canonical ``value`` of observable ``type``; () for none."""
    return index().lists_for(type, value)


def lists_for_many(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, ...]]:
    """``lists_for`` over a batch of (type, canonical value) pairs, in one binary search."""
    return index().lists_for_many(pairs)
