#!/usr/bin/env bash
# Runs the whole test suite: makes .venv, installs git-vam with its test
# dependencies (SeaweedFS, ffmpeg, pytest), then runs pytest. Extra arguments go
# to pytest (e.g. ./scripts/test.sh -k roundtrip).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh test
# The dashboard test renders the page in Debian's Chromium.
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "${VAM_NO_APT:-}" != 1 ]; then
        echo "test.sh: installing chromium system-wide with apt-get for the dashboard test (VAM_NO_APT=1 skips this)" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "test.sh: the dashboard test needs chromium (e.g. sudo apt-get install chromium)" >&2
    fi
fi
# One worker per core, at most 4 (each starts its own SeaweedFS); add -n 0 for one process.
exec "$VENV/bin/python" -m pytest -n auto --maxprocesses 4 "$@"
