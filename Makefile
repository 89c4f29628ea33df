# Advieslijn. Two commands do all set-up on a fresh machine:
#   make run    start the advice line locally
#   make test   run every test
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

.PHONY: install model run test validate lint audit unit integration eval benchmark clean telegram-webhook

$(VENV)/.installed: requirements.txt constraints.txt scripts/bootstrap.sh
	scripts/bootstrap.sh

install: $(VENV)/.installed

model: install
	scripts/train_if_changed.sh

run: model
	$(PY) -m scripts.serve

validate: install
	$(PY) -m rasa data validate --fail-on-warnings --domain domain.yml --data data --config config.yml

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

test: model validate lint audit
	$(PY) -m pytest

# Dependency audit of the lock files (see README "Dependency audit"); PIP_AUDIT may name
# a pip-audit executable installed in its own venv.
PIP_AUDIT ?=
audit: install
	$(PY) -m scripts.audit $(if $(PIP_AUDIT),--pip-audit $(PIP_AUDIT))

unit: install
	$(PY) -m pytest tests/unit

eval: model
	$(PY) -m scripts.evaluate --verbose

benchmark: model
	$(PY) -m scripts.benchmark

# Register the Telegram webhook (needs TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_URL; see README).
telegram-webhook: install
	$(PY) -m scripts.telegram_webhook

clean:
	rm -rf var models .rasa .pytest_cache .mypy_cache .ruff_cache
