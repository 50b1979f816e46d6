#!/usr/bin/env bash
# System packages the test suite needs (real servers, a browser), installed with apt
# when running as root (CI) and missing. Each channel adds its packages to PACKAGES.
set -euo pipefail
PACKAGES=()
# email channel: a real IMAP server for tests
PACKAGES+=(dovecot-imapd)
# reviews channel: (nothing: the HTTP server is Python's)
# staff pages (issue 6): a headless browser for tests/test_browser.py (Playwright drives it; no browser download)
PACKAGES+=(chromium)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: not root; tests needing ${missing[*]} will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq "${missing[@]}" >/dev/null || echo "system-deps: could not install ${missing[*]}; dependent tests will skip" >&2
