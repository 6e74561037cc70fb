#!/usr/bin/env bash
# The project's test command: unit tests plus integration tests on real libvirtd instances.
#
# Usage: scripts/test.sh [SWIFT_TEST_ARGS...]      e.g. scripts/test.sh --filter Network
#
# Phases: setup-host.sh; scripts/check-tools.sh (every program the scripts call comes from a
# package setup-host.sh installs); system libvirtd (qemu:///system); a private libvirtd in
# network namespace $KINVM_TEST_NETNS (default kinvm-test), started fresh; the lab hosts; the
# test guest; the Debian image; the release kinvm (exactly as scripts/run.sh builds it: a no-op
# after it); swift build --build-tests; the Kubernetes node image (Debian + stand-in
# kubeadm/kubelet + the statically linked kube-standin, which then only links); swift test with
# these variables exported:
#   KINVM_BINARY (the release kinvm: the CLI tests run it instead of the debug build)
#   KINVM_INTEGRATION=1 KINVM_TEST_KERNEL KINVM_TEST_INITRD KINVM_TEST_SYSTEM_URI
#   KINVM_TEST_NETNS_URI KINVM_TEST_WORKDIR (fresh dir under /var/tmp; removed on success)
#   KINVM_DEBIAN_{IMAGE,KERNEL,INITRD,CMDLINE} KINVM_NODE_{IMAGE,KERNEL,INITRD,CMDLINE}
#   KINVM_LAB_NETNS KINVM_LAB_HOSTS ("NAME URI" lines): three more libvirt "hosts" from
#   scripts/lab-hosts.sh (own network and mount namespaces, joined by a bridge; the last one
#   reached through qemu+ssh to an sshd on loopback), torn down at exit; KINVM_LAB_SSH_PATH:
#   the directory whose `ssh` (the lab's key and known_hosts) goes first in kinvm's PATH.
# The namespaced instance is stopped at exit (its logs stay in
# /var/lib/kinvm-instances/$KINVM_TEST_NETNS/log); the system one keeps running.
# Exit code: swift test's (or 1 when a setup phase fails).
set -euo pipefail

SCRIPT_NAME=test.sh
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

case "${1:-}" in -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

cd "$here/.."
NETNS=${KINVM_TEST_NETNS:-kinvm-test}

netns_started=0
lab_started=0
workdir=""
# shellcheck disable=SC2317  # invoked through trap
cleanup() {
    local rc=$?
    trap - EXIT
    trap "" INT TERM  # finish the cleanup
    phase_done
    if [ "$lab_started" = 1 ]; then
        phase "tear down the lab hosts"
        "$here/lab-hosts.sh" teardown || log "warning: tearing down the lab hosts failed"
        phase_done
    fi
    if [ "$netns_started" = 1 ]; then
        phase "stop libvirtd in netns $NETNS"
        "$here/libvirtd.sh" stop --netns "$NETNS" || log "warning: stopping netns instance $NETNS failed"
        phase_done
    fi
    if [ -n "$workdir" ] && [ -d "$workdir" ]; then
        if [ "$rc" = 0 ]; then rm -rf "$workdir"; else log "kept work dir (console logs): $workdir"; fi
    fi
    phase_summary "$rc"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# build_env SCRIPT CACHE_DIR VAR...: run scripts/SCRIPT (cached: a no-op when up to date), read
# the ENV file it leaves in $KINVM_CACHE/CACHE_DIR and export VARs: each must be set, and each
# but a *_CMDLINE must name a readable file.
build_env() {
    local script=$1 env=${KINVM_CACHE:-/var/cache/kinvm}/$2/ENV v
    shift 2
    "$here/$script"
    [ -r "$env" ] || die "$script left no $env"
    # shellcheck disable=SC1090
    . "$env"
    for v in "$@"; do
        [ -n "${!v:-}" ] || die "$env does not set $v"
        case $v in *_CMDLINE) ;; *) [ -r "${!v}" ] || die "$v=${!v} (from $env) is not readable" ;; esac
        export "${v?}"
    done
}

phase "setup host"
"$here/setup-host.sh"

phase "check tools (scripts/check-tools.sh)"
"$here/check-tools.sh"

phase "system libvirtd"
"$here/libvirtd.sh" start

phase "libvirtd in netns $NETNS"
netns_started=1
netns_uri=$("$here/libvirtd.sh" start --netns "$NETNS" --fresh)
log "netns URI: $netns_uri"

phase "lab hosts (scripts/lab-hosts.sh)"
lab_started=1
lab_hosts=$("$here/lab-hosts.sh" up --hosts 3)
log "lab hosts:"$'\n'"$lab_hosts"

phase "test guest"
build_env build-test-guest.sh test-guest KINVM_TEST_KERNEL KINVM_TEST_INITRD

phase "Debian guest image"
build_env build-debian-image.sh debian-12 \
    KINVM_DEBIAN_IMAGE KINVM_DEBIAN_KERNEL KINVM_DEBIAN_INITRD KINVM_DEBIAN_CMDLINE

# The binary users run (scripts/run.sh builds the same one, so after it this is a no-op); the CLI
# tests run it through $KINVM_BINARY.
phase "build kinvm (release)"
KINVM_BINARY=$(build_kinvm_release)
export KINVM_BINARY
log "KINVM_BINARY=$KINVM_BINARY"

phase "swift build --build-tests"
swift build --build-tests

# After the test build: the static kube-standin for the node image then only links.
phase "Kubernetes node image (stand-in kubeadm/kubelet, kube-standin)"
build_env build-node-image.sh debian-12-standin \
    KINVM_NODE_IMAGE KINVM_NODE_KERNEL KINVM_NODE_INITRD KINVM_NODE_CMDLINE

workdir=$(mktemp -d /var/tmp/kinvm-test.XXXXXX)
chmod 0755 "$workdir"
export KINVM_INTEGRATION=1
export KINVM_TEST_SYSTEM_URI=qemu:///system
export KINVM_TEST_NETNS_URI=$netns_uri
export KINVM_TEST_NETNS=$NETNS
export KINVM_TEST_WORKDIR=$workdir
export KINVM_LAB_NETNS=kinvm-hlab
export KINVM_LAB_HOSTS=$lab_hosts
KINVM_LAB_SSH_PATH=$("$here/lab-hosts.sh" ssh-path)
export KINVM_LAB_SSH_PATH

phase "swift test $*"
log "KINVM_TEST_WORKDIR=$workdir"
set +e
swift test "$@"
rc=$?
set -e
log "swift test exited with $rc"
exit "$rc"
