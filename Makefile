# Waypoint: the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Workers for the test suite; 2 suits the 2-core machines the project is built on.
WORKERS ?= 2
# The constraints pin every dependency, and also apply inside pip's build environments
# (XStatic-Bootstrap is an sdist that needs a setuptools with pkg_resources). pip 26 reads the
# build environments' constraints from PIP_BUILD_CONSTRAINT only; older pips from PIP_CONSTRAINT.
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_BUILD_CONSTRAINT := $(CURDIR)/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install lint typecheck migrations-check benchmark clean

$(BIN)/.installed: pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/waypoint migrate --noinput
	$(BIN)/waypoint demo
	$(BIN)/waypoint runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/pytest -n $(WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy src

migrations-check: install
	$(BIN)/waypoint makemigrations --check --dry-run

benchmark: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) var/*.sqlite3 staticfiles
