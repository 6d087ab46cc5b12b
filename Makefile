# voiceai: `make run` serves the demo, `make test` runs the suite. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run run-prod-local test bench lint format install db-stop

install: $(VENV)/.installed

# Stamp files: pip runs again only when a requirements file changes.
$(PY):
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v in ((3, 11), (3, 12)) else "voiceai needs Python 3.11 or 3.12, and $(PYTHON) is %d.%d: run make with PYTHON=python3.12 (or python3.11)." % v)'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Twilio signatures and the relay URL derive from PUBLIC_BASE_URL; locally, where Daphne listens.
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "voiceai is serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Stop it with Ctrl-C. The embedded database keeps running; 'make db-stop' stops it."
	@echo ""
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) voiceai.asgi:application

# The production topology on one machine: two Daphne processes (8001, 8002) sharing calls
# and live monitors through the local Redis, and a Celery worker (Procfile, run by honcho).
run-prod-local: export REDIS_URL ?= redis://127.0.0.1:6379/0
run-prod-local: export PUBLIC_BASE_URL ?= http://$(HOST):8001
run-prod-local: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "voiceai: web on http://$(HOST):8001/ and http://$(HOST):8002/, a Celery worker, Redis at $$REDIS_URL"
	@echo ""
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho -f Procfile start -c web=2,worker=1 -p 8001

test: $(VENV)/.installed-dev
	$(PY) manage.py check
	$(PY) manage.py test

# Relay figures (calls placed as Twilio places them), then retrieval and ingestion; BENCHMARKS.md
# says what they mean. BENCH_QUICK=1 for a short trial run.
bench: $(VENV)/.installed-dev
	$(PY) -m bench.relay
	$(PY) -m bench.knowledge

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

db-stop: $(VENV)/.installed
	$(PY) -m voiceai.embedded_postgres stop
