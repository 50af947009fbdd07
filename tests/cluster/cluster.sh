#!/usr/bin/env bash
# Local single-node Kubernetes test cluster, assembled from upstream components
# (no Docker, no registry). See tests/cluster/README.md.
#
#   tests/cluster/cluster.sh up       build (cached) + start; last stdout line: KUBECONFIG=...
#   tests/cluster/cluster.sh down     stop everything by PID, remove all state/rules/interfaces
#   tests/cluster/cluster.sh status   show components; exit 0 only if up and healthy
#   tests/cluster/cluster.sh build    only build/cache binaries and images
#   tests/cluster/cluster.sh plugin-image [BINARY]
#                                     image of the plugin (newest target/ build by
#                                     default) for `probe --install-schedule`; prints its name
#
# The work is done by the parts in lib/ (README.md says which holds what),
# sourced from this script's own directory, so it runs from any cwd.
set -euo pipefail

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
CLUSTER_LIB=${SCRIPT%/*}/lib
REPO_ROOT=$(readlink -f "${SCRIPT%/*}/../..")
# Everything the images are built by: they are rebuilt when one is newer.
CLUSTER_SOURCES=("$SCRIPT" "$CLUSTER_LIB"/*.sh)

# common.sh first: the others use its settings.
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$CLUSTER_LIB/common.sh"
# shellcheck source=SCRIPTDIR/lib/build.sh
source "$CLUSTER_LIB/build.sh"
# shellcheck source=SCRIPTDIR/lib/images.sh
source "$CLUSTER_LIB/images.sh"
# shellcheck source=SCRIPTDIR/lib/pki.sh
source "$CLUSTER_LIB/pki.sh"
# shellcheck source=SCRIPTDIR/lib/config.sh
source "$CLUSTER_LIB/config.sh"
# shellcheck source=SCRIPTDIR/lib/up.sh
source "$CLUSTER_LIB/up.sh"
# shellcheck source=SCRIPTDIR/lib/down.sh
source "$CLUSTER_LIB/down.sh"
# shellcheck source=SCRIPTDIR/lib/status.sh
source "$CLUSTER_LIB/status.sh"

case "${1:-}" in
  up) with_lock cmd_up ;;
  down) with_lock cmd_down ;;
  status) cmd_status ;;
  build) with_lock cmd_build ;;
  build-kube) build_kube ;;
  build-kube-router) build_kube_router ;;
  plugin-image) with_lock plugin_image "${2:-}" ;;
  *) echo "usage: $0 up|down|status|build|plugin-image [BINARY]" >&2; exit 2 ;;
esac
