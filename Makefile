# InfraZen Agent — two commands: `make run` (the service on the embedded default) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check install openapi clean-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python shared/pyproject.toml
	@echo "Installing InfraZen Agent and its dependencies into $(VENV) (the first time takes 3-5 minutes)..."
	$(BIN)/pip install -q -e "./shared[llm,embedded,imports,dev]"
	@echo "Installed; next: make run (or make test)."
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/infrazen-agent serve

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff check shared functions tests bench
	$(BIN)/ruff format --check shared functions tests bench
	$(BIN)/mypy

openapi: $(STAMP)
	$(BIN)/python -c "import json; from tests.test_openapi import current_spec; \
	open('docs/openapi.json', 'w').write(json.dumps(current_spec(), indent=1, ensure_ascii=False) + '\n')"

clean-data:
	rm -rf .data
