#!/usr/bin/env bash
# Quick start: set up, then run the daemon on the embedded starter config (or ./trendwatch.toml
# if you made one with `trendwatch init`). The database goes to the user data dir unless
# TRENDWATCH_DB or --db says otherwise. Extra arguments go to `trendwatch run` (e.g. --once).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "${TRENDWATCH_VENV:-.venv}/bin/trendwatch" -v run "$@"
