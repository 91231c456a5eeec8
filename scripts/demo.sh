#!/usr/bin/env bash
# The git-vam demo on a fresh machine with only Python and git: makes .venv,
# installs git-vam with a local S3 server (SeaweedFS) and ffmpeg, then moves a
# real MP4 from one collaborator's clone to the other's and back.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VAM_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[demo]'
exec "$VENV/bin/python" scripts/demo.py
