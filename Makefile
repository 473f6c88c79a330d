# Two commands on a fresh machine: `make demo` builds the demo site, `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
DEMO_NOW ?= 2025-05-14T12:00:00+01:00
STAMP := $(VENV)/.installed
# axe-core for the browser tests' accessibility checks, the version shared/tools/audit-site uses.
AXE_VERSION ?= 4.14.1
AXE_STAMP := .cache/npm/.axe-core-$(AXE_VERSION)

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

# Without npm the accessibility tests are reported as skipped.
$(AXE_STAMP):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-save --no-audit --no-fund --prefix .cache/npm \
	    axe-core@$(AXE_VERSION) && touch $@; \
	else echo "npm is missing: the axe-core browser tests will be skipped"; fi

test: $(STAMP) $(AXE_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy statusgen benchmarks
	$(VENV)/bin/pytest -q

clean:
	rm -rf $(VENV) site .cache
