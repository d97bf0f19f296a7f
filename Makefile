# Two commands: `make run` serves the platform with demo data; `make test` passes the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export ASPJOC_DATABASE_URL ?= sqlite:///var/aspjoc.db

.PHONY: run test test-sqlite test-postgres lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/aspjoc init
	$(BIN)/aspjoc demo
	@echo "Console: http://127.0.0.1:8000/   API: http://127.0.0.1:8000/docs   Public: http://127.0.0.1:8000/public/"
	$(BIN)/aspjoc serve

test: $(STAMP)
	scripts/system-deps.sh
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadfile

test-postgres: $(STAMP)
	scripts/system-deps.sh
	ASPJOC_TEST_DATABASE_URL="$$(scripts/pg-test-server.sh start)" $(BIN)/pytest -m "not browser"

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) var .mypy_cache
