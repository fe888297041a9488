#!/usr/bin/env bash
# Sets up and runs the whole test suite: lint, unit and integration tests, the example
# plugin's own tests. Browser tests need Debian's chromium: installed here when running as
# root with apt, otherwise they are skipped (set TRENDWATCH_REQUIRE_BROWSER=1 to fail instead).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing chromium for the browser tests (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
bash scripts/setup.sh
VENV="${TRENDWATCH_VENV:-.venv}"
"$VENV/bin/ruff" check .
# The example third-party plugin is installed as a user would install it and its own tests
# run too, so the example (and the plugin API it shows) can never rot.
"$VENV/bin/python" -m pip install -q -e examples/trendwatch-hackernews
# -n auto: one worker per core (pytest-xdist); the suite is written to run in any order.
"$VENV/bin/python" -m pytest -q -n auto "$@"
"$VENV/bin/python" -m pytest -q examples/trendwatch-hackernews/tests
