#!/usr/bin/env bash
# Train the model only when the training data, domain or config changed since the last model.
# The fingerprint is a hash of the files' contents (not their dates), so a fresh clone or a
# touched file without changes does not retrain. The catalogue is not training data.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${VENV:-.venv}/bin/python"
MODEL="models/advieslijn.tar.gz"
STAMP="var/model.fingerprint"
mkdir -p var models

fingerprint="$( { "$PY" -c 'import rasa; print(rasa.__version__)';
                  find config.yml domain.yml data components -type f \( -name '*.yml' -o -name '*.py' \) | LC_ALL=C sort | xargs sha256sum; } \
                | sha256sum | cut -d' ' -f1 )"

if [ -f "$MODEL" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$fingerprint" ]; then
  "$PY" -c 'from bot.danger import detector_for; from bot.settings import PROJECT_ROOT; detector_for(PROJECT_ROOT)'
  echo "Model is up to date ($MODEL)"
  exit 0
fi

echo "Training data changed: training $MODEL ..."
start=$(date +%s)
"$PY" -m rasa train --config config.yml --domain domain.yml --data data \
  --out models --fixed-model-name advieslijn --quiet
echo "$fingerprint" > "$STAMP"
# Embed the acute-danger bank once (kept in models/), so that no server start pays for it.
"$PY" -c 'from bot.danger import detector_for; from bot.settings import PROJECT_ROOT; detector_for(PROJECT_ROOT)'
echo "Trained in $(( $(date +%s) - start )) s"
