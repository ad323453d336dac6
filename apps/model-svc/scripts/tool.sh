#!/usr/bin/env bash
# Runs a tool from model-svc's virtual environment (`npm run setup:python`
# creates it), so Nx targets never pick up a system-wide ruff, mypy or pytest.
set -euo pipefail
venv="$(cd "$(dirname "$0")/.." && pwd)/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "model-svc: no Python environment; run 'npm run setup:python' first" >&2
  exit 1
fi
tool="$1"
shift
exec "$venv/bin/$tool" "$@"
