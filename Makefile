# Advieslijn. Two commands do all set-up on a fresh machine:
#   make run    start the advice line locally
#   make test   run every test
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

.PHONY: install model web chromium run test validate lint audit unit integration browser eval eval-sealed cv calibrate benchmark compare fuzz purge clean telegram-webhook adviser check-links

$(VENV)/.installed: requirements.txt requirements-encoder.txt constraints.txt scripts/bootstrap.sh
	scripts/bootstrap.sh

install: $(VENV)/.installed

# The widget's browser code, from web/package-lock.json (npm ci when the lock changed).
web/node_modules/.installed: web/package.json web/package-lock.json scripts/web_deps.sh
	scripts/web_deps.sh

web: web/node_modules/.installed

# Debian's chromium for the browser tests (apt-get when /usr/bin/chromium is missing).
chromium:
	scripts/ensure_chromium.sh

model: install
	scripts/train_if_changed.sh

run: model web
	$(PY) -m scripts.serve

# Create or reset an adviser account of the console (asks for the password; scripts
# set ADVISER_PASSWORD):  make adviser ADVISER=anna NAME="Anna de Vries" ROLE=coordinator
ROLE ?= adviser
adviser: install
	@test -n "$(ADVISER)" || { echo "usage: make adviser ADVISER=<username> NAME='<display name>' [ROLE=adviser|coordinator]" >&2; exit 2; }
	@test -n "$(NAME)" || { echo "usage: make adviser ADVISER=<username> NAME='<display name>' [ROLE=adviser|coordinator]" >&2; exit 2; }
	$(PY) -m bot.console.admin add "$(ADVISER)" --name "$(NAME)" --role "$(ROLE)"

validate: install
	$(PY) -m rasa data validate --fail-on-warnings --domain domain.yml --data data --config config.yml

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

test: model web chromium validate lint audit
	$(PY) -m pytest

# Every link of the catalogue and the content registry, online (README "Keeping content
# current"); says plainly when there is no network instead of failing.
check-links: install
	$(PY) -m scripts.check_links

# Dependency audit of the lock files (see README "Dependency audit"); PIP_AUDIT may name
# a pip-audit executable installed in its own venv.
PIP_AUDIT ?=
audit: install
	$(PY) -m scripts.audit $(if $(PIP_AUDIT),--pip-audit $(PIP_AUDIT))

unit: install web
	$(PY) -m pytest tests/unit

browser: model web chromium
	$(PY) -m pytest tests/browser

# The blind development set by category, with every miss and the intent confusion; then
# the older regression sets. `make eval-sealed` scores the sealed half (figures only):
# run it at the start and at the end of a piece of work, never while tuning.
eval: model
	$(PY) -m scripts.evaluate --set tests/eval/dev.yml --verbose
	$(PY) -m scripts.evaluate --verbose
	$(PY) -m scripts.evaluate --questions tests/eval/blind.yml

eval-sealed: model
	$(PY) -m scripts.evaluate --sealed

# 5-fold cross-validation of the NLU on the training data (Rasa's own), summed up per
# intent group; about six minutes on two cores.
cv: install
	$(PY) -m rasa test nlu --nlu data/nlu --config config.yml --cross-validation --folds 5 \
		--out var/cv --no-plot --silent
	$(PY) -m scripts.cv_summary var/cv/intent_report.json

# Suggest the acute-danger thresholds from the development set (safety/acute_bank.yml).
calibrate: model
	$(PY) -m scripts.calibrate_danger

benchmark: model
	$(PY) -m scripts.benchmark

# REST speed and memory of this tree beside earlier revisions, in one run (each revision
# is checked out into a temporary worktree and trained there):
#   make compare BASELINE="80d36b1 888f402"
BASELINE ?= 80d36b1
compare: model web
	$(PY) -m scripts.compare $(foreach rev,$(BASELINE),--baseline $(rev))

# Fuzz the public endpoints, 10,000 generated inputs each (README "Fuzzing"); FUZZ_ARGS
# for options, e.g. make fuzz FUZZ_ARGS="--examples 500 --targets rest,login"
fuzz: model
	$(PY) -m tests.fuzz $(FUZZ_ARGS)

# Register the Telegram webhook (needs TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_URL; see README).
telegram-webhook: install
	$(PY) -m scripts.telegram_webhook

# Delete conversations past the retention period (README "Privacy"); PURGE_ARGS for
# options, e.g. make purge PURGE_ARGS="--profile production --every 24"
purge: install
	$(PY) -m scripts.purge $(PURGE_ARGS)

clean:
	rm -rf var models .rasa .pytest_cache .mypy_cache .ruff_cache
