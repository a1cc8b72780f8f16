# Urikake — the two commands a newcomer needs are `make run` and `make test`.
# Everything is installed into ./.venv from the hash-pinned lock file requirements/dev.lock.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv run test test-unit test-integration test-e2e lint format bench lock clean

help:  ## この一覧 / list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): requirements/dev.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 以上が必要です / Python 3.11+ is required (set PYTHON=python3.12 etc.)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)  ## 仮想環境を作成・更新 / create or update the virtualenv

run: $(STAMP)  ## 開発サーバーとワーカーを起動 / migrate, load demo data, start web app + worker
	@bash scripts/run-dev.sh "$(HOST)" "$(PORT)"

test: $(STAMP)  ## 全テスト (unit, integration, browser) / the whole test suite
	$(BIN)/pytest $(PYTEST_ARGS)

test-unit: $(STAMP)  ## 単体テストのみ / unit tests only (no database)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

test-integration: $(STAMP)
	$(BIN)/pytest tests/integration $(PYTEST_ARGS)

test-e2e: $(STAMP)
	$(BIN)/pytest tests/e2e $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff, mypy, import-linter, bandit, semgrep (local rules), migrations check
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bandit -c pyproject.toml -r src -q
	$(BIN)/semgrep --config .semgrep --metrics=off --disable-version-check --error --quiet src
	URIKAKE_VAR_DIR=$$(mktemp -d) $(BIN)/urikake makemigrations --check --dry-run

format: $(STAMP)  ## コード整形 / format the code
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(STAMP)  ## ベンチマーク / run the benchmarks (see benchmarks/README.md)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lock:  ## 依存関係のロックファイルを更新 / re-resolve requirements/*.lock (needs uv)
	uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -o requirements/dev.lock
	uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes -o requirements/base.lock

clean:  ## 仮想環境と var/ を削除 / remove the virtualenv and ./var
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
