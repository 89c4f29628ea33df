# Advieslijn. Two commands do all set-up on a fresh machine:
#   make run    start the advice line locally
#   make test   run every test
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

.PHONY: install model run test validate lint unit integration eval benchmark purge clean

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

test: model validate lint
	$(PY) -m pytest

unit: install
	$(PY) -m pytest tests/unit

eval: model
	$(PY) -m scripts.evaluate --verbose

benchmark: model
	$(PY) -m scripts.benchmark

# Delete conversations past the retention period (README "Privacy"); PURGE_ARGS for
# options, e.g. make purge PURGE_ARGS="--profile production --every 24"
purge: install
	$(PY) -m scripts.purge $(PURGE_ARGS)

clean:
	rm -rf var models .rasa .pytest_cache .mypy_cache .ruff_cache
