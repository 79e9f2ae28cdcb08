#!/usr/bin/env bash
# Second command of the README: set up and run every test.
# The suite runs on SQLite; set TEST_DATABASE_URL=postgresql://... to run it all on PostgreSQL.
# Tests that need PostgreSQL look for it at LIFTS_TEST_POSTGRES_URL
# (default postgresql://postgres@127.0.0.1:5432/test) and are skipped, with a notice, without it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
set +e
.venv/bin/python -m pytest -n auto "$@"  # every core (pytest-xdist); -n 0 after it overrides
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
