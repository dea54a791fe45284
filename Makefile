# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format browser messages bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

run: install
	$(PY) manage.py migrate --no-input
	LEAD_REQUIRE_MFA=0 $(PY) manage.py seed_demo
	@echo ""
	@echo "Two-factor sign-in is OFF for this local demo (LEAD_REQUIRE_MFA=0); production turns it on."
	@echo "Serving at http://$(HOST):$(PORT)/  (Ctrl-C stops the app and its embedded database)"
	LEAD_REQUIRE_MFA=0 $(PY) manage.py runserver $(HOST):$(PORT)

test: install browser
	$(PY) -m pytest

# ruff; the layers contract (import-linter, pyproject.toml); types of services and selectors.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	$(PY) manage.py makemessages -l es --ignore=.venv --ignore=staticfiles --ignore=tests
	$(PY) manage.py compilemessages -l es --ignore=.venv

# Benchmark on a throwaway database (dropped at the end), traffic on 127.0.0.1 only; 11 minutes
# measured on this 2-core machine while other test suites loaded it, less when it is quiet.
# seed_demo --participants 20000 --contacts 1000000 (lead_bench_ratios), gunicorn -w 2 as in
# production (DJANGO_DEBUG=0, MFA on, Redis when it answers), wrk on each page beside the floor
# views of bench/floor/ in alternating rounds, and one table of throughput ratios against the
# targets of issue 12 (pages >= 0.9x a minimal signed-in 50-row list, the officer POST >= 0.6x a
# bare one-row insert) with CPU per request; then the query counts and EXPLAIN of
# bench/participant_pages.py on the same data. Installs wrk with apt if missing. See
# bench/page_ratios.py (--profile: where the time goes, bench/profile_report.py) and
# bench/FINDINGS.md.
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing wrk for the benchmark..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi; }
	$(PY) bench/page_ratios.py
