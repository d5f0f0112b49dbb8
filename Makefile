# intake-bot: the two set-up commands are `make run` and `make test` (see README).
# Each installs what it needs on a fresh machine: a virtualenv with the pinned versions of
# constraints.txt and, for the tests, Debian's chromium and a running PostgreSQL.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck unit system-deps bench constraints clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	@rm -f $(VENV)/.installed-* && touch $@

## run: the service on its embedded default (SQLite under var/, SMTP 127.0.0.1:8025,
##      HTTP 127.0.0.1:8080, demo case data loaded on first start)
run: $(STAMP)
	$(BIN)/intake-bot serve

## test: everything CI runs: lint, type check and the whole test suite (SQLite + PostgreSQL)
test: $(STAMP) system-deps lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) system-deps
	$(BIN)/pytest

# Debian's chromium for the browser tests; the local PostgreSQL on 127.0.0.1:5432 for the
# store tests (they fail rather than skip when it is missing).
system-deps:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  $(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && \
	  sleep 2; }

bench: $(STAMP)
	$(BIN)/python bench/import_cases.py

# Refresh the pins after changing dependencies in pyproject.toml.
constraints: $(STAMP)
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
