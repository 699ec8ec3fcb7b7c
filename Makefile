# Cruddur backend — every task of the project. `make help` lists them.
# Tools are pinned here and installed on demand into .tools/ (ignored by git), never by hand.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TOOLS_DIR := $(CURDIR)/.tools

## Node: the service targets Node 24 LTS. When the machine's node is another major, the pinned
## binary comes from the npm registry (package node-linux-<arch>, which ships it without install scripts).
NODE_VERSION := 24.21.0
NODE_ARCH := $(subst aarch64,arm64,$(subst x86_64,x64,$(shell uname -m)))
NODE_HOME := $(TOOLS_DIR)/node-$(NODE_VERSION)
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
ifeq ($(SYSTEM_NODE_MAJOR),$(firstword $(subst ., ,$(NODE_VERSION))))
NODE := $(shell command -v node)
else
NODE := $(NODE_HOME)/node_modules/node-linux-$(NODE_ARCH)/bin/node
export PATH := $(dir $(NODE)):$(PATH)
endif
NPM := npm
STAMP := node_modules/.install-stamp

.PHONY: help
help: ## List every target with what it does
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_.-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2} /^##@/ {printf "\n%s\n", substr($$0, 5)}' $(MAKEFILE_LIST)

##@ Development

.PHONY: setup
setup: $(STAMP) ## Install the pinned Node (if needed) and the npm dependencies

$(NODE):
	@echo "Installing Node $(NODE_VERSION) into $(NODE_HOME)"
	@mkdir -p $(NODE_HOME)
	$(NPM) install --prefix $(NODE_HOME) --no-save --no-package-lock --ignore-scripts node-linux-$(NODE_ARCH)@$(NODE_VERSION)

$(STAMP): package.json package-lock.json | $(NODE)
	$(NPM) ci
	@touch $@

.PHONY: build
build: setup ## Compile the service to dist/ (what the image runs)
	$(NPM) run build

.PHONY: run
run: build ## Run the service on http://localhost:4567 (no cloud account needed)
	$(NODE) --enable-source-maps --require ./dist/src/telemetry/instrumentation.js dist/src/main.js

.PHONY: dev
dev: setup ## Run the service in watch mode (rebuild and restart on change)
	$(NPM) run dev

.PHONY: lint
lint: setup ## Lint (eslint) and typecheck (tsc)
	$(NPM) run lint
	$(NPM) run typecheck

.PHONY: test
test: lint ## Everything CI checks: lint, typecheck, unit and integration tests, chart and image checks
	$(NPM) test

.PHONY: clean
clean: ## Remove build output (keeps the tool cache)
	rm -rf dist coverage

.PHONY: distclean
distclean: clean ## Remove build output, node_modules and every cached tool
	rm -rf node_modules $(TOOLS_DIR)
