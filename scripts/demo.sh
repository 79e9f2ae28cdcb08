#!/usr/bin/env bash
# First command of the README: set up and run the demo (SQLite, no tokens needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/lifts demo
