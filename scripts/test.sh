#!/usr/bin/env bash
# Runs the whole test suite: makes .venv, installs git-vam with its test
# dependencies (SeaweedFS, ffmpeg, pytest), then runs pytest. Extra arguments go
# to pytest (e.g. ./scripts/test.sh -k roundtrip).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VAM_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'
exec "$VENV/bin/python" -m pytest "$@"
