# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv from python3 alone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME := demo-home
FOI := $(BIN)/foi-sender --home $(DEMO_HOME)

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO_HOME) && mkdir -p $(DEMO_HOME)
	$(FOI) init --name "Alex Example" --email alex@example.org --organisation "Example Care Ltd"
	$(FOI) draft leicester

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check foi_sender tests bench scripts
	$(BIN)/ruff format --check foi_sender tests bench scripts

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO_HOME) dist build
