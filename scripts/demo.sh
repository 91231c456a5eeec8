#!/usr/bin/env bash
# The git-vam demo on a fresh machine with only Python and git: makes .venv,
# installs git-vam with a local S3 server (SeaweedFS) and ffmpeg, then moves a
# real MP4 from one collaborator's clone to the other's and back.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh demo
exec "$VENV/bin/python" scripts/demo.py
