# Two commands set everything up on a fresh machine (Python >= 3.11 and make):
#   make run    creates .venv, installs, migrates the database and starts the bot
#   make test   creates .venv, installs with test extras, lints, type-checks and runs the suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCALES := locales
DOMAIN := messages

.PHONY: run test install lint locales-extract locales-update locales-compile locales-init bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) locales-compile

run: install
	$(BIN)/ausbildungsbot db upgrade
	$(BIN)/ausbildungsbot run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n auto  # one worker per core; each test has its own database

# --- translations (Babel) ---------------------------------------------------------------
locales-extract: $(STAMP)
	$(BIN)/pybabel extract -F pyproject.toml -o $(LOCALES)/$(DOMAIN).pot --no-location --sort-output \
		--project=ausbildungsbot --msgid-bugs-address=- -k N_ -k gettext -k ngettext:1,2 bot dialogs knowledge

locales-update: locales-extract
	$(BIN)/pybabel update -i $(LOCALES)/$(DOMAIN).pot -d $(LOCALES) -D $(DOMAIN) --no-fuzzy-matching --ignore-obsolete

locales-init: locales-extract  # make locales-init LANG_CODE=pl
	$(BIN)/pybabel init -i $(LOCALES)/$(DOMAIN).pot -d $(LOCALES) -D $(DOMAIN) -l $(LANG_CODE)

# A .mo file is compiled only when its .po file is newer (make run would otherwise compile all on every start).
PO_FILES := $(wildcard $(LOCALES)/*/LC_MESSAGES/$(DOMAIN).po)
MO_FILES := $(PO_FILES:.po=.mo)

locales-compile: $(MO_FILES)

$(LOCALES)/%/LC_MESSAGES/$(DOMAIN).mo: $(LOCALES)/%/LC_MESSAGES/$(DOMAIN).po | $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ -l $* --statistics

bench: install
	$(BIN)/python bench/match.py
	$(BIN)/python bench/places.py
	$(BIN)/python bench/dialog.py
	$(BIN)/python bench/memory.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
