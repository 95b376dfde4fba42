#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian/Ubuntu machine, then run every test.
# Python packages go into the current Python (use a virtual environment if you like);
# the browser (Debian's chromium) and pdftoppm/pdftotext (poppler-utils) come from apt.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
# The incident log's PostGIS backend is tested against a throwaway local cluster.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need_apt+=(postgresql-postgis)
fc-list 2>/dev/null | grep -qi "DejaVuSans" || need_apt+=(fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

python -m pip install -q -r requirements-dev.txt
python -m ruff check .
python -m pytest -q "$@"
