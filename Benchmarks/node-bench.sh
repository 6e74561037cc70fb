#!/usr/bin/env bash
# Kubernetes node benchmarks for issue "Kubernetes node provisioning", side by side in one run:
#   1. `kinvm node add` of 1 and of 3 workers (Debian node image with the stand-in
#      kubeadm/kubelet, TCG, user-mode NICs) against the stand-in API server: seconds from the
#      command's start until every Node is Ready, split into kinvm's own time and time spent
#      waiting for the guests (kinvm's summary line), and kinvm's CPU time (user+sys);
#   2. `kinvm node remove` of a node with N pods (default 20, ReplicaSet-owned, so each is
#      evicted): total seconds and the drain's share.
#
# usage: Benchmarks/node-bench.sh [--kinvm BIN] [--standin BIN] [--counts "1 3"] [--pods 20]
# Run through scripts/bench.sh --nodes, which builds kinvm and kube-standin (release) and the
# node image (scripts/build-node-image.sh). Traffic stays on loopback: the guests reach the
# stand-in on 127.0.0.1 as 10.0.2.2 through QEMU user-mode networking.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
kinvm=""
standin=""
counts="1 3"
pods=20
while [ $# -gt 0 ]; do
    case "$1" in
        --kinvm) kinvm=${2:?}; shift 2 ;;
        --standin) standin=${2:?}; shift 2 ;;
        --counts) counts=${2:?}; shift 2 ;;
        --pods) pods=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "node-bench.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
bin=$(cd "$root" && swift build -c release --show-bin-path)
[ -n "$kinvm" ] || kinvm="$bin/kinvm"
[ -n "$standin" ] || standin="$bin/kube-standin"
for program in "$kinvm" "$standin"; do
    [ -x "$program" ] || { echo "node-bench.sh: $program not built" >&2; exit 1; }
done

URI=qemu:///system
VIRT=${KINVM_BENCH_VIRT_TYPE:-qemu}
POOL="kinvm-node-bench"
work=/var/tmp/kinvm-node-bench
node_env=${KINVM_CACHE:-/var/cache/kinvm}/debian-12-standin/ENV
# shellcheck disable=SC1090
. "$node_env"
log() { printf '[node-bench] %s\n' "$*" >&2; }

mkdir -p "$work/pool" "$work/results"
chmod 0755 "$work" "$work/pool"
results="$work/results"

# The stand-in API server on a free loopback port.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$standin" serve --port "$port" --kubeconfig-out "$work/admin.conf" >"$work/standin.out" 2>"$work/standin.err" &
standin_pid=$!
cleanup() {
    kill "$standin_pid" 2>/dev/null || true
    for domain in $(virsh -q -c "$URI" list --all --name 2>/dev/null | grep '^nb-' || true); do
        virsh -q -c "$URI" destroy "$domain" >/dev/null 2>&1 || true
        virsh -q -c "$URI" undefine "$domain" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT
for _ in $(seq 1 100); do grep -q '^ready' "$work/standin.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready' "$work/standin.out" || { cat "$work/standin.err" >&2; echo "node-bench.sh: kube-standin did not start" >&2; exit 1; }
export KUBECONFIG="$work/admin.conf"

if ! virsh -q -c "$URI" pool-info "$POOL" >/dev/null 2>&1; then
    virsh -q -c "$URI" pool-define-as "$POOL" dir --target "$work/pool" >/dev/null
fi
# Defined by an earlier run but inactive after a libvirtd restart, or still running.
virsh -q -c "$URI" pool-start "$POOL" >/dev/null 2>&1 || true
virsh -q -c "$URI" pool-refresh "$POOL" >/dev/null
if virsh -q -c "$URI" vol-info --pool "$POOL" node.qcow2 >/dev/null 2>&1; then
    "$kinvm" image delete node.qcow2 --pool "$POOL" -c "$URI" >&2 || true
fi
"$kinvm" image import "$KINVM_NODE_IMAGE" --pool "$POOL" --name node.qcow2 -c "$URI" >&2

add_nodes() {
    local n=$1 names=() i
    for i in $(seq 1 "$n"); do names+=("nb-$n-$i"); done
    log "kinvm node add ${names[*]}"
    /usr/bin/time -f '%U %S %e' -o "$results/add-$n.time" \
        "$kinvm" node add "${names[@]}" --pool bench --image "$POOL/node.qcow2" --storage-pool "$POOL" \
        --virt-type "$VIRT" --vcpus 1 --max-vcpus 2 --memory 640MiB --max-memory 1GiB --network user \
        --kernel "$KINVM_NODE_KERNEL" --initrd "$KINVM_NODE_INITRD" --cmdline "$KINVM_NODE_CMDLINE" \
        --join-endpoint "10.0.2.2:$port" --wait 30m -o json -c "$URI" \
        >"$results/add-$n.json" 2>"$results/add-$n.err" || { tail -n 40 "$results/add-$n.err" >&2; exit 1; }
    grep -E 'nodes Ready in' "$results/add-$n.err" | tail -n 1 >"$results/add-$n.summary"
}

remove_nodes() {
    "$kinvm" node remove "$@" --force -c "$URI" -o json >"$results/remove-$1.json" 2>"$results/remove-$1.err" \
        || { tail -n 20 "$results/remove-$1.err" >&2; exit 1; }
}

for n in $counts; do
    add_nodes "$n"
    if [ "$n" = "$(echo "$counts" | awk '{print $1}')" ]; then
        # N pods on the first node of the smallest run, then its removal is timed.
        node="nb-$n-1"
        log "creating $pods pods on $node"
        for i in $(seq 1 "$pods"); do
            printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bench-%s\n  namespace: default\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: bench, uid: 6f0c6a2c-0000-0000-0000-000000000001, controller: true}]\nspec:\n  nodeName: %s\n  containers: [{name: main, image: busybox}]\n---\n' "$i" "$node"
        done | kubectl create --validate=false -f - >/dev/null
        log "kinvm node remove $node ($pods pods)"
        /usr/bin/time -f '%U %S %e' -o "$results/remove-pods.time" \
            "$kinvm" node remove "$node" -c "$URI" -o json >"$results/remove-pods.json" 2>"$results/remove-pods.err" \
            || { tail -n 20 "$results/remove-pods.err" >&2; exit 1; }
        rest=()
        for i in $(seq 2 "$n"); do rest+=("nb-$n-$i"); done
        [ ${#rest[@]} -eq 0 ] || remove_nodes "${rest[@]}"
    else
        names=()
        for i in $(seq 1 "$n"); do names+=("nb-$n-$i"); done
        remove_nodes "${names[@]}"
    fi
done

/usr/bin/python3 - "$results" "$counts" "$pods" <<'PY'
import json, re, sys
results, counts, pods = sys.argv[1], sys.argv[2].split(), sys.argv[3]
print("node add (to every Node Ready)")
print(f"{'workers':>8} {'total s':>9} {'kinvm s':>9} {'waiting s':>10} {'kinvm CPU s':>12}")
for n in counts:
    summary = open(f"{results}/add-{n}.summary").read()
    m = re.search(r"Ready in ([\d.]+)s \(kinvm ([\d.]+)s, waiting for the guests ([\d.]+)s\)", summary)
    user, system, wall = (float(x) for x in open(f"{results}/add-{n}.time").read().split()[:3])
    print(f"{n:>8} {float(m.group(1)):>9.1f} {float(m.group(2)):>9.1f} {float(m.group(3)):>10.1f} {user + system:>12.2f}")
removal = json.load(open(f"{results}/remove-pods.json"))[0]
user, system, wall = (float(x) for x in open(f"{results}/remove-pods.time").read().split()[:3])
drain = removal.get("drain") or {}
print()
print(f"node remove with {pods} pods: total {removal['seconds']:.2f}s (drain {drain.get('seconds', 0):.2f}s, "
      f"{len(drain.get('evicted', []))} evicted), process wall {wall:.2f}s, kinvm CPU {user + system:.2f}s")
PY
