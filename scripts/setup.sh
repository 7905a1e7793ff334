#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: virtualenv, Python and npm dependencies, translations.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
if command -v npm >/dev/null 2>&1; then
  if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; else npm install --silent --no-audit --no-fund; fi
else
  echo "npm not found: browser accessibility checks will be skipped" >&2
fi
.venv/bin/pix-lti i18n compile >/dev/null
