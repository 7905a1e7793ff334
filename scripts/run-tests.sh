#!/usr/bin/env bash
# Run the whole test suite. SQLite by default; set TEST_DATABASE_URL=postgresql+psycopg://… to run it on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
