#!/usr/bin/env bash
# Installs the system programs the test suite drives for real (Debian packages):
# Chromium for browser tests, PostgreSQL for the second database run, poppler for
# reading generated PDFs, BIND and Unbound tools for validating RPZ zones, wrk for benchmarks.
# Does nothing for what is already there; needs root (or sudo) only when something is missing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v named-checkzone >/dev/null 2>&1 || need+=(bind9-utils)
command -v unbound-checkconf >/dev/null 2>&1 || need+=(unbound)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if ! command -v initdb >/dev/null 2>&1 && [ ! -x /usr/lib/postgresql/15/bin/initdb ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
fc-list 2>/dev/null | grep -qi "noto" || need+=(fonts-noto-core)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing system packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Missing ${need[*]} and not root: install them with apt-get, then run again." >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
