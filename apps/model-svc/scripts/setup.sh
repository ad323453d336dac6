#!/usr/bin/env bash
# `npm run setup:python`: npm ci's neighbour for the Python service. Creates
# apps/model-svc/.venv from the hash-locked requirements (pip --require-hashes,
# nothing unpinned, nothing fetched later at run time) and points it at the
# service's sources and generated stubs. Safe to run again: it does nothing
# while the locks and the interpreter are unchanged.
set -euo pipefail
project="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$project/../.." && pwd)"
venv="$project/.venv"
python="${PYTHON:-python3}"

if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "model-svc needs Python 3.11; $python is $("$python" --version 2>&1). Set PYTHON=..." >&2
  exit 1
fi

cd "$project"
stamp="$venv/.fig-locks"
wanted="$("$python" --version 2>&1) $(cat requirements-build.txt requirements.txt requirements-dev.txt | sha256sum)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps)
  "${pip[@]}" -r requirements-build.txt
  # afinn ships as a source archive; build it with the locked setuptools above.
  "${pip[@]}" --no-build-isolation -r requirements.txt
  "${pip[@]}" -r requirements-dev.txt
  echo "$wanted" >"$stamp"
fi

# The service's code and the stubs `nx run model-svc:build` generates into dist/.
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
printf '%s\n' "$project/src" "$root/dist/apps/model-svc/generated" >"$site/fig-model-svc.pth"
echo "model-svc: Python environment ready in ${venv#"$root"/}"
