#!/usr/bin/env bash
# Generates the Redis password of this checkout's deployments, once:
# k8s/base/redis/secret/password (git-ignored, mode 600), 32 hex characters so
# it needs no escaping inside REDIS_URL. kustomize's secretGenerator reads it,
# so every cluster deployed from a checkout gets its own password and no
# password is committed (ADR 0113). skaffold runs this as a render hook; the
# manifest tests and k8s/kind/e2e.sh run it before rendering.
# Rotate: delete the file, re-deploy, restart redis and its clients.
set -euo pipefail
file="$(cd "$(dirname "$0")" && pwd)/base/redis/secret/password"
[ -s "$file" ] && exit 0
mkdir -p "$(dirname "$file")"
umask 077
tmp="$(mktemp "$file.XXXXXX")"
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$tmp"
mv "$tmp" "$file"
echo "generated a Redis password in ${file#"$PWD"/}" >&2
