import subprocess
import sys

PROBE = """
import sys
from aspjoc.observables import canonicalise, web
assert web._extractor.cache_info().currsize == 0, "tldextract built at import"
assert "ioc_finder" not in sys.modules, "ioc_finder imported eagerly"
canonicalise("shop.example.com")
assert web._extractor.cache_info().currsize == 1
"""


def test_import_builds_nothing_heavy_until_first_use() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False
    )

    assert completed.returncode == 0, completed.stderr
