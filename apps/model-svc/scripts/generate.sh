#!/usr/bin/env bash
# `nx run model-svc:build`: Python messages and gRPC stubs for fig.model.v1,
# with typed .pyi stubs (mypy-protobuf) so that mypy --strict sees real types,
# generated from libs/proto (the one proto tree) into dist/, never committed:
# the stubs cannot drift from the contract because they are rebuilt from it
# before every lint, type-check, test and image build.
set -euo pipefail
project="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$project/../.." && pwd)"
venv="$project/.venv"
out="$root/dist/apps/model-svc/generated"
[ -x "$venv/bin/python" ] || { echo "run 'npm run setup:python' first" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
PATH="$venv/bin:$PATH" "$venv/bin/python" -m grpc_tools.protoc \
  -I "$root/libs/proto/proto" \
  --python_out="$out" --grpc_python_out="$out" \
  --mypy_out="$out" --mypy_grpc_out="$out" \
  fig/model/v1/model.proto
# PEP 561: the generated packages carry their own types.
for dir in "$out/fig" "$out/fig/model" "$out/fig/model/v1"; do
  touch "$dir/__init__.py" "$dir/py.typed"
done
