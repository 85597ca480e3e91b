# Anju — the two commands a newcomer needs are `make run` and `make test`.
# Every target installs what it needs, idempotently.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export ANJU_HOME ?= $(CURDIR)/var
BENCH_SIZE ?= city

.PHONY: run test check install lint typecheck imports fmt browsers bench clean-db test-fast soak

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

# The demo pays and receives for real: the bank-settlement simulator runs beside the app on
# 127.0.0.1 (protocol BANK_SIM_PORT, control BANK_SIM_PORT+1, notices pushed to BANK_LISTEN_PORT)
# and stops when serve exits. `anju bank sim remit --account … --amount … --remark 单位账号` pays in.
BANK_SIM_PORT ?= 9100
BANK_LISTEN_PORT ?= 9102
run: install
	$(BIN)/anju init --demo --city small
	@$(BIN)/anju bank-sim --port $(BANK_SIM_PORT) --control-port $$(($(BANK_SIM_PORT) + 1)) \
	  --db "$(ANJU_HOME)/bank-sim.db" --notify tcp://127.0.0.1:$(BANK_LISTEN_PORT) & sim=$$!; \
	trap 'kill $$sim 2>/dev/null; wait $$sim 2>/dev/null' EXIT INT TERM; \
	ANJU_BANK_URL=tcp://127.0.0.1:$(BANK_SIM_PORT) ANJU_BANK_LISTEN=127.0.0.1:$(BANK_LISTEN_PORT) \
	ANJU_BANK_SIM_CONTROL=http://127.0.0.1:$$(($(BANK_SIM_PORT) + 1)) \
	  $(BIN)/anju serve --host 127.0.0.1 --port 8000

# Chromium and CJK fonts from Debian for the browser tests (root on the CI machine).
browsers:
	@bash scripts/ensure-browser.sh

check: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Everything: lint and types, then the suite on SQLite and on a throwaway PostgreSQL 15 cluster.
test: install browsers check
	bash scripts/with-postgres.sh $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The suite without PostgreSQL or the browser, for a quick loop.
test-fast: install
	$(BIN)/python -m pytest -n 2 -m "not pg and not browser" $(PYTEST_ARGS)

# The reliability suite at length (tests/reliability; reliability.md L1, L2, C2, R1 ...): SOAK_SIZE
# scales steps, seconds and kill rounds; SEED=<n> replays a printed seed. `make test` runs the same
# tests at a bounded size.
SOAK_SIZE ?= 200
soak: install
	SOAK_SIZE=$(SOAK_SIZE) bash scripts/with-postgres.sh $(BIN)/python -m pytest -p no:xdist -s tests/reliability $(PYTEST_ARGS)

bench: install
	bash scripts/with-postgres.sh $(BIN)/python -m bench --size $(BENCH_SIZE)

clean-db:
	rm -rf var/
