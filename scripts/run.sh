#!/usr/bin/env bash
# Quick start: prepare the host, start the system libvirtd (with a `default` storage pool),
# build the doctor's probe guest and the Debian guest image, build kinvm (release), run
# `kinvm doctor` against this machine, then a Debian guest's whole life (scripts/demo-vm.sh:
# create with cloud-init, ip, exec, resize, stop/start, delete with nothing left), then a whole
# Kubernetes cluster from one spec file, offline (scripts/demo-cluster.sh: 1 control plane +
# 2 workers on the stand-in control plane, kubectl get nodes, live resize, delete), in a
# network namespace of its own.
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

cd "$here/.."
"$here/setup-host.sh"
"$here/libvirtd.sh" start
# The pool guests' disks go to by default (kinvm vm create --pool default), as a packaged
# libvirt usually has it.
if ! virsh -q -c qemu:///system pool-info default >/dev/null 2>&1; then
    mkdir -p /var/lib/libvirt/images
    virsh -q -c qemu:///system pool-define-as default dir --target /var/lib/libvirt/images >/dev/null
    log "defined storage pool 'default' (/var/lib/libvirt/images)"
fi
if ! virsh -q -c qemu:///system pool-info default | grep -q 'State: *running'; then
    virsh -q -c qemu:///system pool-start default >/dev/null
fi
virsh -q -c qemu:///system pool-autostart default >/dev/null
# The tiny guest kinvm doctor boots to find out which virt types work (cached, seconds).
"$here/build-test-guest.sh"
[ "$demo" = 0 ] || "$here/build-debian-image.sh"
log "building kinvm (release)"
swift build -c release --product kinvm || die "swift build -c release --product kinvm failed"
bin=$(swift build -c release --show-bin-path)/kinvm
[ -x "$bin" ] || die "build succeeded but $bin is missing"
log "running: $bin doctor $*"
"$bin" doctor "$@"
if [ "$demo" = 1 ]; then
    log "guest lifecycle demo (scripts/demo-vm.sh)"
    "$here/demo-vm.sh" "$bin"
    # The node image carries the stand-in API server, statically linked (cached by its sources).
    standin=$("$here/build-standin-server.sh" --release)
    "$here/build-node-image.sh" --standin-server "$standin"
    log "cluster demo (scripts/demo-cluster.sh)"
    "$here/demo-cluster.sh" "$bin"
fi
