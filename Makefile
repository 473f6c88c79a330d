# Two commands on a fresh machine: `make demo` builds the demo site, `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
DEMO_NOW ?= 2025-05-14T12:00:00+01:00
STAMP := $(VENV)/.installed

.PHONY: demo test site clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

# The demo as it stood in the middle of the 2025 crisis.
demo: $(STAMP)
	$(VENV)/bin/statusgen build --now $(DEMO_NOW)

# The demo as of today.
site: $(STAMP)
	$(VENV)/bin/statusgen build

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy statusgen
	$(VENV)/bin/pytest -q

clean:
	rm -rf $(VENV) site
