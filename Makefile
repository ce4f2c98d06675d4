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

# The demo pins the clock to spring 2025, when the two real council replies in
# tests/fixtures/replies/ arrived, so its dates (and the README's transcript) are reproducible.
SENT_AT := FOI_SENDER_NOW=2025-04-14T09:30:00+01:00
REPLIED_AT := FOI_SENDER_NOW=2025-05-07T12:00:00+01:00
REPLIES := tests/fixtures/replies

demo: $(STAMP)
	rm -rf $(DEMO_HOME) && mkdir -p $(DEMO_HOME)
	$(FOI) init --name "Alex Example" --email alex@example.org --organisation "Example Care Ltd"
	$(SENT_AT) $(FOI) send spring-2025 --all --yes
	$(SENT_AT) $(FOI) status spring-2025
	$(REPLIED_AT) $(FOI) respond spring-2025 leicester --on 2025-05-07 --file $(REPLIES)/leicester-2025.txt
	$(REPLIED_AT) $(FOI) respond spring-2025 coventry --file $(REPLIES)/coventry-2025.txt
	$(REPLIED_AT) $(FOI) status spring-2025
	$(REPLIED_AT) $(FOI) calendar export spring-2025 -o $(DEMO_HOME)/deadlines.ics
	$(REPLIED_AT) $(FOI) export spring-2025 -o $(DEMO_HOME)/answers.csv
	$(REPLIED_AT) $(FOI) export spring-2025 --format xlsx -o $(DEMO_HOME)/answers.xlsx
	$(REPLIED_AT) $(FOI) report spring-2025 -o $(DEMO_HOME)/report.html
	$(REPLIED_AT) $(FOI) review spring-2025 leicester --grounds "The names and contact details of \
	the managers who place children are not the personal data of junior staff: they are officers \
	acting in a public role, and providers need them to offer placements. Please release question 1."
	@echo "Outbox: $(DEMO_HOME)/outbox/new (open it in any mail client); calendar: $(DEMO_HOME)/deadlines.ics"
	@echo "Report: $(DEMO_HOME)/report.html (any web browser); answers: $(DEMO_HOME)/answers.xlsx (any spreadsheet)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check foi_sender tests bench scripts
	$(BIN)/ruff format --check foi_sender tests bench scripts

bench: $(STAMP)
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO_HOME) dist build
