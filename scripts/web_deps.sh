#!/usr/bin/env bash
# Install the widget's browser code (deep-chat, socket.io-client; axe-core for the tests)
# exactly as locked in web/package-lock.json. Nothing is fetched at run time.
#
# For the browser tests only, also Botfront's rasa-webchat, a standard client of Rasa's
# socket.io protocol (tests/browser/test_rasa_webchat.py): its one-file build
# (lib/index.js, with React and socket.io-client 3 bundled in) from the npm tarball,
# checked against the integrity hash below. Only that tarball is fetched (npm pack),
# not the ~590 build-time packages its package.json names, so no lock of them is kept
# or audited; the widget's site never serves it (bot/web.py serves a fixed list).
set -euo pipefail
cd "$(dirname "$0")/../web"
RASA_WEBCHAT="rasa-webchat@1.0.1"
RASA_WEBCHAT_INTEGRITY="sha512-Ld1zVJvTAaTrs6A5p8t70agNNrKYRyXlvqXZRgBoDvKKUXbA0jhJKECi5bdPGlaR6jsmqWtVylHS+YqIqo0x8w=="
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

clients="node_modules/.test-clients"
rm -rf "$clients" && mkdir -p "$clients"
tarball="$(cd "$clients" && npm pack --silent --loglevel=error "$RASA_WEBCHAT" | tail -n 1)"
actual="sha512-$(openssl dgst -sha512 -binary "$clients/$tarball" | base64 -w0)"
if [ "$actual" != "$RASA_WEBCHAT_INTEGRITY" ]; then
  echo "error: $RASA_WEBCHAT does not match its pinned integrity hash" >&2
  rm -rf "$clients"
  exit 1
fi
mkdir -p "$clients/rasa-webchat"
tar -xzf "$clients/$tarball" -C "$clients/rasa-webchat" --strip-components=1 \
  package/lib/index.js package/LICENSE package/package.json
rm -f "$clients/$tarball"
touch node_modules/.installed
