#!/usr/bin/env bash
# The guest lifecycle, end to end, on this host's libvirtd (run by scripts/run.sh after the
# doctor): import the Debian image built by build-debian-image.sh into the `default` pool,
# create a guest from the shipped k8s-node template with a cloud-init seed and wait for
# cloud-init, show it (list, ip, exec), resize it (live; vCPUs of TCG guests while stopped), stop
# and start it, and delete it and its
# image again: nothing is left behind.
#
# Usage: scripts/demo-vm.sh KINVM_BINARY
# The virt type is $KINVM_VIRT_TYPE, else the first of kvm, qemu that `kinvm doctor` saw boot.
# The guest has a QEMU user-mode NIC (no libvirt network is started).
set -euo pipefail

SCRIPT_NAME=demo-vm.sh
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

kinvm=${1:?usage: demo-vm.sh KINVM_BINARY}
name="kinvm-demo"
image="kinvm-demo-debian-12.qcow2"
pool=default
debian_env=${KINVM_CACHE:-/var/cache/kinvm}/debian-12/ENV
# shellcheck disable=SC1090
. "$debian_env"

virt=$(demo_virt_type "$kinvm")

remove_demo() {
    "$kinvm" vm delete "$name" --ignore-not-found >/dev/null 2>&1 || true
    "$kinvm" image delete "$image" --pool "$pool" >/dev/null 2>&1 || true
}
# What a run killed before its cleanup (kill -9, a lost machine) left behind.
remove_demo
work=$(mktemp -d /tmp/kinvm-demo.XXXXXX)
cleanup() {
    local rc=$?
    remove_demo
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
step() { printf '\n\033[1m$ kinvm %s\033[0m\n' "$*"; "$kinvm" "$@"; }

cat >"$work/user-data" <<'YAML'
#cloud-config
locale: false
write_files:
  - path: /etc/motd
    content: |
      Welcome to a kinvm guest: created from a template, seeded by cloud-init.
YAML

step image import "$KINVM_DEBIAN_IMAGE" --pool "$pool" --name "$image"
step vm create "$name" --image "$pool/$image" --pool "$pool" --template k8s-node --virt-type "$virt" \
    --vcpus 1 --max-vcpus 2 --memory 768MiB --max-memory 1GiB --disk 8GiB --network user \
    --kernel "$KINVM_DEBIAN_KERNEL" --initrd "$KINVM_DEBIAN_INITRD" --cmdline "$KINVM_DEBIAN_CMDLINE" \
    --user-data "$work/user-data" --wait cloud-init --timeout 15m
step vm list -o wide
step vm ip "$name"
step vm exec "$name" -- cat /etc/motd
if [ "$virt" = kvm ]; then
    step vm resize "$name" --vcpus 2 --memory 1GiB
    step vm exec "$name" -- nproc
    step vm stop "$name" --timeout 2m
    step vm start "$name" --wait agent --timeout 10m
else
    # Under TCG QEMU can abort a guest on a vCPU hot-plug, so kinvm adds vCPUs there only by a
    # restart (or with --tcg-hotplug); memory changes live.
    step vm resize "$name" --memory 1GiB
    step vm stop "$name" --timeout 2m
    step vm resize "$name" --vcpus 2
    step vm start "$name" --wait agent --timeout 10m
fi
step vm exec "$name" -- nproc
step vm get "$name"
step vm delete "$name"
step image delete "$image" --pool "$pool"
log "demo done: the guest, its overlay, its seed and the imported image are gone"
