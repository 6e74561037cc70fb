#!/usr/bin/env bash
# A whole Kubernetes cluster of VMs, offline, from one spec file (run by scripts/run.sh after the
# guest demo): one control plane and two workers from the test node image (the project's stand-in
# API server on the control plane, stand-in kubeadm/kubelet on the workers: no Kubernetes
# binaries exist here), `kubectl get nodes` against it, a worker resized live through
# `cluster apply`, and `cluster delete` with nothing left.
#
# Usage: scripts/demo-cluster.sh KINVM_BINARY
# Its libvirtd runs in a network namespace of its own (scripts/libvirtd.sh start --netns
# kinvm-demo), and kinvm and kubectl run inside it too: the cluster network, its dnsmasq and
# every guest address exist only there. The virt type is $KINVM_VIRT_TYPE, else the first of
# kvm, qemu that `kinvm doctor` saw boot.
set -euo pipefail

SCRIPT_NAME=demo-cluster.sh
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

kinvm=${1:?usage: demo-cluster.sh KINVM_BINARY}
netns=${KINVM_DEMO_NETNS:-kinvm-demo}
name=demo
pool=demo-pool
node_env=${KINVM_CACHE:-/var/cache/kinvm}/debian-12-standin/ENV
# shellcheck disable=SC1090
. "$node_env"

virt=$(demo_virt_type "$kinvm")

uri=$("$here/libvirtd.sh" start --netns "$netns" --fresh)
work=$(mktemp -d /var/tmp/kinvm-demo-cluster.XXXXXX)
chmod 0755 "$work"
in_ns() { ip netns exec "$netns" "$@"; }
cleanup() {
    local rc=$?
    in_ns "$kinvm" cluster delete "$name" --ignore-not-found -c "$uri" >/dev/null 2>&1 || true
    "$here/libvirtd.sh" stop --netns "$netns" >/dev/null 2>&1 || true
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
# The command line goes to stderr, so `step … >FILE` keeps only kinvm's output.
step() { printf '\n\033[1m$ kinvm %s\033[0m\n' "$*" >&2; in_ns "$kinvm" "$@" -c "$uri"; }
kubectl_step() {
    printf '\n\033[1m$ kubectl %s\033[0m\n' "$*" >&2
    if command -v kubectl >/dev/null; then
        in_ns kubectl --kubeconfig "$work/kubeconfig" "$@"
    else
        log "kubectl is not installed: skipped (kinvm cluster get shows the Nodes too)"
    fi
}

mkdir -p "$work/pool"
virsh -q -c "$uri" pool-define-as "$pool" dir --target "$work/pool" >/dev/null
virsh -q -c "$uri" pool-start "$pool" >/dev/null

spec() {  # WORKER_MEMORY
    cat <<YAML
apiVersion: kinvm.dev/v1alpha1
kind: Cluster
metadata: {name: $name}
spec:
  virtType: $virt
  kubernetes: {distribution: kubeadm}
  image: $pool/node.qcow2
  boot: {kernel: $KINVM_NODE_KERNEL, initrd: $KINVM_NODE_INITRD, cmdline: "$KINVM_NODE_CMDLINE"}
  network: {mode: isolated, cidr: 192.168.232.0/24}
  controlPlane: {vcpus: 1, memory: 768MiB}
  pools:
    - {name: workers, count: 2, vcpus: 1, maxVCPUs: 2, memory: $1, maxMemory: 1GiB, labels: {tier: web}}
  ttl: 2h
YAML
}

step image import "$KINVM_NODE_IMAGE" --pool "$pool" --name node.qcow2
spec 640MiB >"$work/cluster.yaml"
log "the spec:"
cat "$work/cluster.yaml"
step cluster create -f "$work/cluster.yaml" --wait 20m
step cluster list -o wide
step cluster kubeconfig "$name" >"$work/kubeconfig"
kubectl_step get nodes -o wide
spec 1GiB >"$work/cluster.yaml"
step cluster apply -f "$work/cluster.yaml"
kubectl_step get nodes -o custom-columns=NAME:.metadata.name,CPU:.status.capacity.cpu,MEMORY:.status.capacity.memory
step cluster get "$name" -o wide
step cluster logs "$name" --dir "$work/logs"
(cd "$work/logs" && find . -type f -printf '%P  %s bytes\n' | sort)
step cluster delete "$name"
step cluster list
log "cluster demo done: guests, volumes, network and reservations of cluster $name are gone"
