#!/usr/bin/env bash
# The browser tests drive Debian's chromium (never a browser download). Install it when
# it is missing; as root this needs no questions (CI and the developers' machines).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: /usr/bin/chromium is missing: sudo apt-get install chromium" >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core
