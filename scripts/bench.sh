#!/usr/bin/env bash
# Build the benchmark programs (release) and run the benchmarks in Benchmarks/.
#
# Usage: scripts/bench.sh [ARGS...]        ARGS go to Benchmarks/run-all.sh
#        scripts/bench.sh --vm [ARGS...]   guest creation and listing against virt-install
#                                          and virsh (Benchmarks/vm-bench.sh, ARGS go there)
#        scripts/bench.sh --nodes [ARGS...]  node add of 1 and 3 workers and node remove with
#                                          20 pods, against the stand-in API server
#                                          (Benchmarks/node-bench.sh, ARGS go there)
#        scripts/bench.sh --clusters [ARGS...]  cluster create of 1+2 and 1+4 nodes and delete,
#                                          and the same VMs made by kinvm and by kcli
#                                          (Benchmarks/cluster-bench.sh, ARGS go there)
#        scripts/bench.sh --multihost [ARGS...]  cluster create of 1+4 on one lab host versus
#                                          spread over two, and listing guests on one host
#                                          versus three (Benchmarks/multihost-bench.sh)
#
# Prepares the host (scripts/setup-host.sh) and the system libvirtd first (both idempotent). Exports
# KINVM_BENCH_BIN_DIR (release binaries) and, when the test guest is built,
# KINVM_TEST_KERNEL / KINVM_TEST_INITRD.
set -euo pipefail

SCRIPT_NAME=bench.sh
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

case "${1:-}" in -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

cd "$here/.."
# Every mode: the host's packages (setup-host.sh's one list has the benchmarks' tools too:
# virt-install, hyperfine, /usr/bin/time, bc, kcli's build needs) and the system libvirtd.
"$here/setup-host.sh"
"$here/libvirtd.sh" start
if [ "${1:-}" = --vm ]; then
    shift
    "$here/build-debian-image.sh"
    kinvm=$(build_kinvm_release)
    exec bash Benchmarks/vm-bench.sh --kinvm "$kinvm" "$@"
fi
if [ "${1:-}" = --nodes ]; then
    shift
    "$here/build-node-image.sh"
    kinvm=$(build_kinvm_release)
    log "building kube-standin (release)"
    swift build -c release --product kube-standin || die "swift build -c release --product kube-standin failed"
    exec bash Benchmarks/node-bench.sh --kinvm "$kinvm" --standin "$(dirname "$kinvm")/kube-standin" "$@"
fi
if [ "${1:-}" = --multihost ]; then
    shift
    kinvm=$(build_kinvm_release)
    standin=$("$here/build-standin-server.sh" --release)
    "$here/build-node-image.sh" --standin-server "$standin"
    exec bash Benchmarks/multihost-bench.sh --kinvm "$kinvm" "$@"
fi
if [ "${1:-}" = --clusters ]; then
    shift
    kinvm=$(build_kinvm_release)
    # The node image carries the stand-in API server, statically linked (cached by its sources).
    standin=$("$here/build-standin-server.sh" --release)
    "$here/build-node-image.sh" --standin-server "$standin"
    exec bash Benchmarks/cluster-bench.sh --kinvm "$kinvm" "$@"
fi

# One product at a time: `swift build` builds only the last of several --product options.
for product in kinvm-bench libvirt-c-bench; do
    log "building $product (release)"
    swift build -c release --product "$product" || die "swift build -c release --product $product failed"
done
KINVM_BENCH_BIN_DIR=$(swift build -c release --show-bin-path)
export KINVM_BENCH_BIN_DIR

guest_env=${KINVM_CACHE:-/var/cache/kinvm}/test-guest/ENV
if [ -r "$guest_env" ]; then
    # shellcheck disable=SC1090
    . "$guest_env"
    export KINVM_TEST_KERNEL KINVM_TEST_INITRD
fi

runner=Benchmarks/run-all.sh
if [ ! -f "$runner" ]; then
    log "$runner does not exist (yet): nothing to run"
    exit 0
fi
log "running $runner $*"
exec bash "$runner" "$@"
