"""Benchmark: canonicalising and flagging feed lines, the producer's share of bulk ingest.

    .venv/bin/python bench/canonicalise.py                  # 200,000 lines of each kind
    .venv/bin/python bench/canonicalise.py --lines 50000    # a quick run

The lines are those ``bench/ingest.py`` generates (URLhaus-style URLs; a mixed list of IPs,
domains, URLs, e-mail addresses, hashes, phones, accounts and wallets; 10% repeats, 1% malformed).
Timed, best of three, in groups of 50,000 as the pipeline does them:

* ``canonical_many`` (canonical forms and known-good flags), per line, for each kind of file;
* a baseline in the same run: ``urllib.parse.urlsplit`` of the same lines, a parse with no checks;
* the registered domain of every host, against tldextract's own extraction of the same hosts.

The machine's speed drifts; the ratios to the baselines are the figures to compare between runs.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent))

from ingest import _lines, _mixed, _url  # noqa: E402  # the ingest benchmark's generators

from aspjoc.intel.ingest import warninglists  # noqa: E402
from aspjoc.intel.ingest.canon import canonical_many  # noqa: E402
from aspjoc.observables import canonical as canonical_rules  # noqa: E402
from aspjoc.observables import web  # noqa: E402

GROUP = 50_000


def best(job: Callable[[], object], rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        canonical_rules._canonicalise.cache_clear()  # every round starts cold, as a new file would
        web.canonical_hostname.cache_clear()
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200_000, help="lines of each kind")
    args = parser.parse_args()
    warninglists.index()
    rng = random.Random(7)
    kinds = {"URLhaus URLs": (_lines(rng, args.lines, _url), "url"), "mixed list": (_lines(rng, args.lines, _mixed), None)}
    canonical_many(["192.0.2.1", "example.com"], [None, None], None)  # imports and tables loaded outside the timing
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)  # as the ingest processes run
    for name, (values, type) in kinds.items():
        types = [type] * len(values)

        def canonicalise() -> None:
            for start in range(0, len(values), GROUP):
                canonical_many(values[start:start + GROUP], types[start:start + GROUP], None)

        def baseline() -> None:
            for value in values:
                try:
                    urlsplit(value)
                except ValueError:
                    pass

        ours, bare = best(canonicalise), best(baseline)
        per_line = ours / len(values) * 1e6
        print(f"{name:<13} canonical_many {per_line:5.2f} µs/line ({len(values) / ours:,.0f} lines/s); "
              f"urlsplit {bare / len(values) * 1e6:4.2f} µs/line; ratio {ours / bare:.1f}x")
    urls = kinds["URLhaus URLs"][0]
    hosts = [h for h in (urlsplit(u).hostname for u in urls if "://" in u) if h and not h[0].isdigit()]
    extract = web._extractor()
    ours = best(lambda: [web.registered_domain(h) for h in hosts])
    theirs = best(lambda: [extract(h).top_domain_under_public_suffix for h in hosts])
    print(f"registered domain of {len(hosts):,} hosts: {ours / len(hosts) * 1e6:.2f} µs each; "
          f"tldextract {theirs / len(hosts) * 1e6:.2f} µs; ratio {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
