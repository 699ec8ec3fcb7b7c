#!/usr/bin/env bash
# skaffold on the local cluster (profile cluster in skaffold.yaml), as make cluster-skaffold-run / cluster-skaffold-dev
# and make cluster-journey run it: the cluster up, the collector and X-Ray stand-in images loaded, the registry on
# 127.0.0.1:5000 started; then skaffold in the image engine's environment (k8s/docker/with-engine.sh), which builds
# the app image, pushes it to that registry and deploys the chart; the node pulls it from there. The cluster and the
# registry stay up afterwards (make cluster-down stops both).
# skaffold's global config is its own, not ~/.skaffold/config: no usage metrics (their online check alone is a request
# to Google) and no update check (a download from Google), so nothing leaves the machine.
# Usage: k8s/cluster/skaffold.sh run|dev|delete [skaffold flags]
#   env (set by make): SKAFFOLD, HELM, REGISTRY, CLUSTER_JOURNEY_TARS, COLLECTOR_IMAGE, XRAY_STAND_IN_IMAGE, the image
#   build's (GIT_SHA, VERSION, NODE_*, NPM_VERSION) and lib.sh's tool paths
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"
for variable in SKAFFOLD HELM CLUSTER_JOURNEY_TARS COLLECTOR_IMAGE XRAY_STAND_IN_IMAGE; do
  [ -n "${!variable:-}" ] || die "$variable is not set: run it through make"
done

config=$TOOLS_DIR/skaffold-global-config.yaml
printf 'global:\n  collect-metrics: false\n  update-check: false\n  survey:\n    disable-prompt: true\nkubeContexts: []\n' >"$config"

export KUBECONFIG=$KUBECONFIG_ADMIN KUBECTL=$KUBE_HOME/kubectl
export XRAY_STAND_IN_TAG=${XRAY_STAND_IN_IMAGE##*:}
# skaffold runs the `docker` on PATH, and helm and kubectl from it too: the engine's client goes first (with-engine.sh
# picks one that builds with BuildKit).
helm_dir=$(dirname "$HELM")
export PATH=$KUBE_HOME:$helm_dir:$PATH
cd "$ROOT"
flags=(--config "$config" --update-check=false)
# Removing what skaffold deployed needs neither images nor the registry.
[ "${1:-}" != delete ] || exec "$SKAFFOLD" "$@" "${flags[@]}"

"$here/up.sh"
"$here/load-image.sh" "$CLUSTER_JOURNEY_TARS/${COLLECTOR_IMAGE//[:\/]/_}.tar" "$CLUSTER_JOURNEY_TARS/${XRAY_STAND_IN_IMAGE//[:\/]/_}.tar" >/dev/null
"$here/registry.sh" start
flags+=(--default-repo "$LOCAL_REGISTRY" --insecure-registry "$LOCAL_REGISTRY")
# skaffold dev's default trigger (notify) watches the whole checkout, .tools/ included, where this cluster keeps its
# state, pod logs and container filesystems: those writes never stop while the app serves, and under them an edit was
# never synced (service/test/cluster/skaffold.test.ts). Polling compares only the image's sources, once a second.
if [ "${1:-}" = dev ]; then flags+=(--trigger polling); fi
# with-engine.sh passes signals on, so skaffold dev cleans up (uninstalls its release) when it is stopped. The inner
# script's expansions are meant for the engine's shell, which knows DOCKER.
# shellcheck disable=SC2016
exec env TOOLS_DIR="$TOOLS_DIR" k8s/docker/with-engine.sh bash -c 'NODE_IMAGE=$(k8s/docker/base-image.sh node) \
  PATH=$(dirname "$DOCKER"):$PATH exec "$SKAFFOLD" "$@"' skaffold "$@" "${flags[@]}"
