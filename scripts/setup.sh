#!/usr/bin/env bash
# Creates .venv (if needed) and installs trendwatch into it, editable, with the test extras.
# Re-running is cheap: pip is skipped when pyproject.toml has not changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${TRENDWATCH_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.trendwatch-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ -n "${FORCE_INSTALL:-}" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[test]'
  touch "$stamp"
fi
