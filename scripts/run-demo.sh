#!/usr/bin/env bash
# Run pix_lti on the embedded default: SQLite in instance/, demo content, demo school and LMS registration.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PIX_LTI_ENV=${PIX_LTI_ENV:-development}
.venv/bin/pix-lti db upgrade
.venv/bin/pix-lti demo load
echo
echo "Serving on ${PIX_LTI_PUBLIC_URL:-http://127.0.0.1:5000} (Ctrl+C to stop)"
exec .venv/bin/pix-lti serve --workers "${GUNICORN_WORKERS:-2}"
