#!/usr/bin/env bash
# Start the whole advice line locally: action server and Rasa server, bound to localhost.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${VENV:-.venv}/bin/python"
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
HOST="${ADVIESLIJN_HOST:-127.0.0.1}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"
export TRACKER_DB="${TRACKER_DB:-var/tracker.db}"
export SANIC_HOST="$HOST"
mkdir -p var/log

# The HTTP API (conversations, handoff) needs a token; keep one under var/ if none is given.
if [ -z "${RASA_TOKEN:-}" ]; then
  [ -s var/rasa-token ] || (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))' > var/rasa-token)
  RASA_TOKEN="$(cat var/rasa-token)"
fi

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping Advieslijn ..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$PY" -m rasa_sdk --actions actions --port "$ACTION_PORT" >> var/log/actions.log 2>&1 &
pids+=($!)
"$PY" -m rasa run --model models/advieslijn.tar.gz --endpoints endpoints.yml \
  --credentials credentials.yml --interface "$HOST" --port "$RASA_PORT" \
  --enable-api --auth-token "$RASA_TOKEN" --log-file var/log/rasa.log >> var/log/rasa.out 2>&1 &
pids+=($!)

echo "Waiting for the Rasa server to load the model ..."
for _ in $(seq 1 180); do
  if curl -fs "http://127.0.0.1:${RASA_PORT}/status?token=${RASA_TOKEN}" 2>/dev/null | grep -q '"model_file"'; then
    break
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "A process stopped; see var/log/" >&2; exit 1; }
  done
  sleep 1
done

cat <<MSG

Advieslijn is running (Ctrl-C stops it):
  Rasa server (REST channel): http://${HOST}:${RASA_PORT}/webhooks/rest/webhook
  Rasa HTTP API:              http://${HOST}:${RASA_PORT}/status?token=<var/rasa-token>
  Action server:              http://${HOST}:${ACTION_PORT}/health
  Logs:                       var/log/
MSG
wait -n "${pids[@]}" || true
echo "A process stopped; see var/log/" >&2
