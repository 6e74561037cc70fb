#!/usr/bin/env bash
# Cluster benchmarks for issue "Ephemeral clusters from one spec file", side by side in one run:
#   1. `kinvm cluster create` of a 1+2 and a 1+4 cluster (kubeadm; the stand-in control plane and
#      stand-in kubeadm/kubelet of the node image; every node 1 vCPU, 768 MiB): total seconds,
#      kinvm's CPU time (user+sys) and its share of the total, the control plane's seconds from
#      start to Ready, and the slowest node's (kinvm's JSON timings); then `kinvm cluster delete`:
#      seconds, and a check that no guest, volume or network of the cluster is left.
#   2. The VM part: the same clusters' VMs (3 and 5 guests: the node image, the same sizes and
#      direct kernel boot, one NIC on a libvirt network) made by `kinvm vm create` and by kcli
#      (Benchmarks/kcli-vms.sh: `kcli create plan --threaded`), both timed by one probe
#      (Benchmarks/guest_probe.py) until every guest runs, its agent answers and it has a DHCP
#      lease; the tools' CPU time; delete time.
#
# usage: Benchmarks/cluster-bench.sh [--kinvm BIN] [--workers "2 4"] [--no-kcli] [--no-clusters]
# Run through `scripts/bench.sh --clusters`, which builds kinvm (release) and the node image. Its
# libvirtd runs in a network namespace of its own (scripts/libvirtd.sh start --netns
# kinvm-bench, stopped at the end); kinvm, kcli and the probe run inside it, so the cluster and
# VM networks exist only there. Virt type: $KINVM_BENCH_VIRT_TYPE (default qemu: KVM does not
# work on these machines).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
SCRIPT_NAME=cluster-bench.sh
# shellcheck source=../scripts/common.sh source-path=SCRIPTDIR
. "$root/scripts/common.sh"

kinvm=""
workers="2 4"
kcli=1
clusters=1
while [ $# -gt 0 ]; do
    case "$1" in
        --kinvm) kinvm=${2:?}; shift 2 ;;
        --workers) workers=${2:?}; shift 2 ;;
        --no-kcli) kcli=0; shift ;;
        --no-clusters) clusters=0; shift ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
[ -n "$kinvm" ] || kinvm="$(cd "$root" && swift build -c release --show-bin-path)/kinvm"
[ -x "$kinvm" ] || die "$kinvm not built (scripts/bench.sh --clusters builds it)"

NETNS=${KINVM_BENCH_NETNS:-kinvm-bench}
VIRT=${KINVM_BENCH_VIRT_TYPE:-qemu}
POOL=bench-pool
VMNET=bench-vms
work=/var/tmp/kinvm-cluster-bench
node_env=${KINVM_CACHE:-/var/cache/kinvm}/debian-12-standin/ENV
# shellcheck disable=SC1090
. "$node_env"

rm -rf "$work"
mkdir -p "$work/pool" "$work/results"
chmod 0755 "$work" "$work/pool"
results=$work/results
uri=$("$root/scripts/libvirtd.sh" start --netns "$NETNS" --fresh)
in_ns() { ip netns exec "$NETNS" "$@"; }
cleanup() {
    local rc=$?
    for w in $workers; do in_ns "$kinvm" cluster delete "bench$w" --ignore-not-found -c "$uri" >/dev/null 2>&1 || true; done
    "$root/scripts/libvirtd.sh" stop --netns "$NETNS" >/dev/null 2>&1 || true
    exit "$rc"
}
trap cleanup EXIT

virsh -q -c "$uri" pool-define-as "$POOL" dir --target "$work/pool" >/dev/null
virsh -q -c "$uri" pool-start "$POOL" >/dev/null
in_ns "$kinvm" image import "$KINVM_NODE_IMAGE" --pool "$POOL" --name node.qcow2 -c "$uri" >/dev/null
log "libvirtd in netns $NETNS ($uri), virt type $VIRT, node image imported"

# --- 1. clusters --------------------------------------------------------------------------------
spec() {  # NAME WORKERS
    cat <<YAML
apiVersion: kinvm.dev/v1alpha1
kind: Cluster
metadata: {name: $1}
spec:
  virtType: $VIRT
  kubernetes: {distribution: kubeadm}
  image: $POOL/node.qcow2
  boot: {kernel: $KINVM_NODE_KERNEL, initrd: $KINVM_NODE_INITRD, cmdline: "$KINVM_NODE_CMDLINE"}
  network: {mode: isolated, cidr: 192.168.234.0/24}
  controlPlane: {vcpus: 1, memory: 768MiB}
  pools:
    - {name: workers, count: $2, vcpus: 1, memory: 768MiB}
YAML
}

bench_cluster() {  # WORKERS
    local w=$1 name="bench$1"
    spec "$name" "$w" >"$work/$name.yaml"
    log "kinvm cluster create 1+$w"
    /usr/bin/time -f '%e %U %S' -o "$results/$name-create.time" \
        ip netns exec "$NETNS" "$kinvm" cluster create -f "$work/$name.yaml" --wait 30m --parallel 4 -o json -c "$uri" \
        >"$results/$name-create.json" 2>"$results/$name-create.log" \
        || { tail -n 40 "$results/$name-create.log" >&2; die "cluster create 1+$w failed"; }
    log "kinvm cluster delete $name"
    /usr/bin/time -f '%e %U %S' -o "$results/$name-delete.time" \
        ip netns exec "$NETNS" "$kinvm" cluster delete "$name" -c "$uri" >"$results/$name-delete.log" 2>&1 \
        || { cat "$results/$name-delete.log" >&2; die "cluster delete $name failed"; }
    local domains volumes networks
    domains=$(virsh -q -c "$uri" list --all --name | grep -c "^$name-" || true)
    volumes=$(virsh -q -c "$uri" vol-list "$POOL" | grep -c "$name-" || true)
    networks=$(virsh -q -c "$uri" net-list --all --name | grep -c "^kinvm-$name$" || true)
    echo "$domains $volumes $networks" >"$results/$name-leftover"
}

# --- 2. the VM part: kinvm vm create -----------------------------------------------------------
cat >"$work/vms-net.xml" <<XML
<network>
  <name>$VMNET</name>
  <bridge name="virbr-bvms" stp="on" delay="0"/>
  <ip address="192.168.233.1" netmask="255.255.255.0">
    <dhcp><range start="192.168.233.10" end="192.168.233.250"/></dhcp>
  </ip>
</network>
XML
virsh -q -c "$uri" net-define "$work/vms-net.xml" >/dev/null
virsh -q -c "$uri" net-start "$VMNET" >/dev/null

bench_kinvm_vms() {  # COUNT
    local n=$1 names=() i t0 probe
    for i in $(seq 1 "$n"); do names+=("kv$n-$i"); done
    log "kinvm vm create ${names[*]}"
    t0=$(now)
    in_ns /usr/bin/python3 "$here/guest_probe.py" "$uri" "$t0" "${names[@]}" --until ip --timeout 1200 \
        >"$results/kinvm-vms-$n.json" &
    probe=$!
    /usr/bin/time -f '%e %U %S' -o "$results/kinvm-vms-$n.time" \
        ip netns exec "$NETNS" "$kinvm" vm create "${names[@]}" -c "$uri" --pool "$POOL" --image "$POOL/node.qcow2" \
        --template k8s-node --virt-type "$VIRT" --vcpus 1 --memory 768MiB --network "$VMNET" \
        --kernel "$KINVM_NODE_KERNEL" --initrd "$KINVM_NODE_INITRD" --cmdline "$KINVM_NODE_CMDLINE" \
        --wait running --parallel "$n" >/dev/null 2>"$results/kinvm-vms-$n.log" \
        || { cat "$results/kinvm-vms-$n.log" >&2; die "kinvm vm create failed"; }
    wait "$probe"
    /usr/bin/time -f '%e %U %S' -o "$results/kinvm-vms-$n-delete.time" \
        ip netns exec "$NETNS" "$kinvm" vm delete "${names[@]}" -c "$uri" >/dev/null
}

bench_kcli_vms() {  # COUNT
    local n=$1
    bash "$here/kcli-vms.sh" --uri "$uri" --netns "$NETNS" --count "$n" --vcpus 1 --memory 768 --network "$VMNET" \
        --prefix "kc$n" --until ip --timeout 1200 >"$results/kcli-vms-$n.txt" \
        || { cat "$results/kcli-vms-$n.txt" >&2; die "Benchmarks/kcli-vms.sh --count $n failed"; }
}

if [ "$clusters" = 1 ]; then
    for w in $workers; do bench_cluster "$w"; done
fi
for w in $workers; do
    n=$((w + 1))
    bench_kinvm_vms "$n"
    if [ "$kcli" = 1 ]; then bench_kcli_vms "$n"; fi
done

# --- summary ------------------------------------------------------------------------------------
/usr/bin/python3 - "$results" "$workers" "$clusters" "$kcli" <<'PY'
import json, os, sys
results, workers, clusters, kcli = sys.argv[1], sys.argv[2].split(), sys.argv[3] == "1", sys.argv[4] == "1"

def times(path):
    wall, user, sys_ = open(path).read().split()[-3:]
    return float(wall), float(user) + float(sys_)

if clusters:
    print("\n## kinvm cluster create / delete (seconds; CPU = kinvm's user+sys)")
    print(f"{'cluster':<9}{'create':>9}{'CPU':>7}{'CPU %':>7}{'control plane':>15}{'slowest node':>14}{'delete':>8}{'left':>6}")
    for w in workers:
        name = f"bench{w}"
        wall, cpu = times(f"{results}/{name}-create.time")
        timings = json.load(open(f"{results}/{name}-create.json"))["timings"]
        dwall, _ = times(f"{results}/{name}-delete.time")
        left = sum(int(x) for x in open(f"{results}/{name}-leftover").read().split())
        print(f"{'1+' + w:<9}{wall:>9.1f}{cpu:>7.2f}{100 * cpu / wall:>6.2f}%{timings['controlPlaneSeconds']:>15.1f}"
              f"{timings['slowestNodeSeconds']:>14.1f}{dwall:>8.1f}{left:>6}")

def probe_max(path, stage):
    data = json.load(open(path))
    values = [v[stage] for v in data.values()]
    return None if None in values else max(values)

def fmt(value):
    return "NA" if value is None else f"{value:.1f}"

print("\n## The VM part: N guests (1 vCPU, 768 MiB, node image, direct kernel boot, libvirt network);")
print("## seconds from the command's start until every guest is running / its agent answers / has a DHCP lease")
print(f"{'tool':<7}{'guests':>7}{'returned':>10}{'running':>9}{'agent':>8}{'lease':>8}{'CPU':>7}{'delete':>8}")
for w in workers:
    n = int(w) + 1
    wall, cpu = times(f"{results}/kinvm-vms-{n}.time")
    dwall, _ = times(f"{results}/kinvm-vms-{n}-delete.time")
    path = f"{results}/kinvm-vms-{n}.json"
    print(f"{'kinvm':<7}{n:>7}{wall:>10.1f}{fmt(probe_max(path, 'running')):>9}{fmt(probe_max(path, 'agent')):>8}"
          f"{fmt(probe_max(path, 'ip')):>8}{cpu:>7.2f}{dwall:>8.1f}")
    if kcli:
        kv = dict(line.strip().split("=", 1) for line in open(f"{results}/kcli-vms-{n}.txt") if "=" in line)
        print(f"{'kcli':<7}{n:>7}{float(kv['kcli.command_seconds']):>10.1f}{kv['kcli.create_seconds']:>9}"
              f"{kv['kcli.agent_seconds']:>8}{kv['kcli.ip_seconds']:>8}{float(kv['kcli.create_cpu_seconds']):>7.2f}"
              f"{float(kv['kcli.delete_seconds']):>8.1f}")
if kcli:
    kv = dict(line.strip().split("=", 1) for line in open(f"{results}/kcli-vms-{int(workers[0]) + 1}.txt") if "=" in line)
    print(f"\nkcli {kv.get('kcli.version', '?')} (libvirt-python {kv.get('kcli.libvirt_python', '?')})")
print(f"raw results: {results}")
PY
