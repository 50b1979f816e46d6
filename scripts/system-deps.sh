#!/usr/bin/env bash
# System packages the test suite needs (real servers, a browser), installed with apt when missing.
# Each channel adds its packages to PACKAGES.
#
# As root, or under CI=true (as root or with passwordless sudo), a package that cannot be
# installed stops the script with a non-zero exit and the package's name, so `make test` stops:
# there the tests that need it would fail anyway. Elsewhere (not root, not CI) it only warns,
# and those tests skip with the reason. apt's output is shown only when something failed.
set -euo pipefail
PACKAGES=()
# email channel: a real IMAP server for tests
PACKAGES+=(dovecot-imapd)
# email channel: SpamAssassin's spamd and its client spamc, for the spam check (tests/spamd.py starts a spamd)
PACKAGES+=(spamassassin spamd spamc)
# reviews channel: (nothing: the HTTP server is Python's)
# staff pages (issue 6): a headless browser for tests/test_browser.py (Playwright drives it; no browser download)
PACKAGES+=(chromium)

missing() {
  local pkg
  for pkg in "${PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || echo "$pkg"
  done
}

mapfile -t MISSING < <(missing)
if [ ${#MISSING[@]} -eq 0 ]; then exit 0; fi

case "${CI:-}" in
  true | TRUE | True | 1 | yes) ci=true ;;
  *) ci=false ;;
esac
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if [ "$ci" = false ]; then
    echo "system-deps: not root; tests needing ${MISSING[*]} will skip" >&2
    exit 0
  fi
  if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    SUDO=(sudo -n)
  else
    echo "system-deps: FAILED: ${MISSING[*]} not installed; CI=true but not root and no passwordless sudo to install them" >&2
    exit 1
  fi
fi

apt_get() {
  ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get "$@"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt-get --version >/dev/null 2>&1 || {
  echo "system-deps: FAILED: ${MISSING[*]} not installed and there is no apt-get to install them" >&2
  exit 1
}
apt_get update -qq >>"$log" 2>&1 || echo "(apt-get update failed; installing from the package lists already here)" >>"$log"
status=0
apt_get install -y -qq "${MISSING[@]}" >>"$log" 2>&1 || status=$?
mapfile -t STILL < <(missing)
if [ "$status" -ne 0 ] || [ ${#STILL[@]} -gt 0 ]; then
  failed=("${STILL[@]}")
  if [ ${#failed[@]} -eq 0 ]; then failed=("${MISSING[@]}"); fi
  echo "system-deps: FAILED to install ${failed[*]} (apt-get install exited with $status); apt said:" >&2
  tail -n 40 "$log" | sed 's/^/  /' >&2
  exit 1
fi
echo "system-deps: installed ${MISSING[*]}" >&2
