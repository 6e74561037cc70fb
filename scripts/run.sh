#!/usr/bin/env bash
# Quick start: prepare the host, start the system libvirtd (with a `default` storage pool),
# build the doctor's probe guest and the Debian guest image, build kinvm (release), run
# `kinvm doctor` against this machine, then a Debian guest's whole life (scripts/demo-vm.sh:
# create with cloud-init, ip, exec, resize, stop/start, delete with nothing left), then a whole
# Kubernetes cluster from one spec file, offline (scripts/demo-cluster.sh: 1 control plane +
# 2 workers on the stand-in control plane, kubectl get nodes, live resize, delete), in a
# network namespace of its own. Logs each phase's time, and all of them at the end.
#
# Usage: scripts/run.sh [--no-demo] [KINVM_DOCTOR_ARGS...]
set -euo pipefail

SCRIPT_NAME=run.sh
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

case "${1:-}" in -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
demo=1
if [ "${1:-}" = --no-demo ]; then demo=0; shift; fi

# shellcheck disable=SC2317  # invoked through trap
on_exit() {
    local rc=$?
    trap - EXIT
    phase_summary "$rc"
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The pool guests' disks go to by default (kinvm vm create --pool default), as a packaged
# libvirt usually has it: defined, running and autostarted, whichever of these a previous
# run (or the distribution) already did. virsh's output is read whole into a variable first:
# `virsh … | grep -q` under pipefail fails whenever grep exits before virsh has written all.
ensure_default_pool() {
    local uri=qemu:///system info err
    if ! info=$(virsh -q -c "$uri" pool-info default 2>/dev/null); then
        mkdir -p /var/lib/libvirt/images
        virsh -q -c "$uri" pool-define-as default dir --target /var/lib/libvirt/images >/dev/null \
            || die "cannot define storage pool 'default'"
        log "defined storage pool 'default' (/var/lib/libvirt/images)"
        info=$(virsh -q -c "$uri" pool-info default) || die "storage pool 'default' has no info after its definition"
    fi
    if ! [[ $info =~ State:[[:space:]]+running ]]; then
        if ! err=$(virsh -q -c "$uri" pool-start default 2>&1); then
            # Started meanwhile by someone else ("already active") is fine too.
            [[ $(virsh -q -c "$uri" pool-info default 2>/dev/null) =~ State:[[:space:]]+running ]] \
                || die "cannot start storage pool 'default': $err"
        fi
        log "started storage pool 'default'"
    fi
    if ! [[ $info =~ Autostart:[[:space:]]+yes ]]; then
        virsh -q -c "$uri" pool-autostart default >/dev/null || die "cannot mark storage pool 'default' autostart"
    fi
}

cd "$here/.."
phase "setup host"
"$here/setup-host.sh"

phase "system libvirtd and the default pool"
"$here/libvirtd.sh" start
ensure_default_pool

# The tiny guest kinvm doctor boots to find out which virt types work (cached, seconds).
phase "test guest"
"$here/build-test-guest.sh"
if [ "$demo" = 1 ]; then
    phase "Debian image"
    "$here/build-debian-image.sh"
fi

phase "build kinvm (release)"
bin=$(build_kinvm_release)

phase "kinvm doctor"
log "running: $bin doctor $*"
"$bin" doctor "$@"
if [ "$demo" = 1 ]; then
    phase "demo-vm"
    "$here/demo-vm.sh" "$bin"
    # The node image carries the stand-in API server, statically linked (cached by its sources).
    phase "build kube-standin (release, static)"
    standin=$("$here/build-standin-server.sh" --release)
    phase "node image"
    "$here/build-node-image.sh" --standin-server "$standin"
    phase "demo-cluster"
    "$here/demo-cluster.sh" "$bin"
fi
