#!/usr/bin/env bash
# Install the widget's browser code (deep-chat, socket.io-client; axe-core for the tests)
# exactly as locked in web/package-lock.json. Nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: installing Debian's nodejs and npm" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
  else
    echo "error: install Node.js with npm (for example: sudo apt-get install nodejs npm)" >&2
    exit 1
  fi
fi
npm ci --no-audit --no-fund --loglevel=error
touch node_modules/.installed
