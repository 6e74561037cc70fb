#!/usr/bin/env bash
# Benchmarks for issue "Beyond one lab host", side by side in one run:
#   1. `kinvm cluster create` of a 1+N cluster (default N=4; kubeadm with the stand-in control
#      plane of the node image; every node 1 vCPU, 768 MiB; a bridged network) on ONE lab host,
#      then the same cluster SPREAD over TWO lab hosts: total seconds, kinvm's CPU time, the
#      control plane's and the slowest node's seconds (kinvm's JSON timings), delete seconds, and
#      a check that nothing is left. The image is imported on both hosts beforehand, so both runs
#      only verify it (read back through a stream and hashed).
#   2. `kinvm vm list --all` of the same G guests (defined, shut off) on ONE host versus spread
#      over THREE hosts (two on unix sockets, one over qemu+ssh): median wall time of R runs, and
#      the three hosts listed one after the other (-c per host) for comparison.
#
# usage: Benchmarks/multihost-bench.sh [--kinvm BIN] [--workers N] [--guests G] [--runs R] [--no-clusters]
# Run through `scripts/bench.sh --multihost`, which builds kinvm (release) and the node image.
# The hosts are scripts/lab-hosts.sh's, with prefix kvb- (its own namespaces and ssh port 2223),
# torn down at the end. All of them share this machine's 2 cores: spreading cannot add CPU here,
# it shows what placement and the per-host connections cost or save.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
SCRIPT_NAME=multihost-bench.sh
# shellcheck source=../scripts/common.sh source-path=SCRIPTDIR
. "$root/scripts/common.sh"

kinvm=""
workers=4
guests=120
runs=5
clusters=1
while [ $# -gt 0 ]; do
    case "$1" in
        --kinvm) kinvm=${2:?}; shift 2 ;;
        --workers) workers=${2:?}; shift 2 ;;
        --guests) guests=${2:?}; shift 2 ;;
        --runs) runs=${2:?}; shift 2 ;;
        --no-clusters) clusters=0; shift ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
[ -n "$kinvm" ] || kinvm="$(cd "$root" && swift build -c release --show-bin-path)/kinvm"
[ -x "$kinvm" ] || die "$kinvm not built (scripts/bench.sh --multihost builds it)"

PREFIX=kvb-
LAB=${PREFIX}lab
POOL=bench-pool
VIRT=${KINVM_BENCH_VIRT_TYPE:-qemu}
work=/var/tmp/kinvm-multihost-bench
node_env=${KINVM_CACHE:-/var/cache/kinvm}/debian-12-standin/ENV
# shellcheck disable=SC1090
. "$node_env"
export KINVM_LAB_SSH_PORT=2223

rm -rf "$work"
mkdir -p "$work/results"
chmod 0755 "$work"
results=$work/results
"$root/scripts/lab-hosts.sh" up --hosts 3 --prefix "$PREFIX" >"$work/hosts.txt"
mapfile -t names < <(awk '{print $1}' "$work/hosts.txt")
mapfile -t uris < <(awk '{print $2}' "$work/hosts.txt")
sock() { echo "qemu+unix:///system?socket=/run/kinvm/$1/libvirt-sock"; }
in_lab() { ip netns exec "$LAB" "$@"; }
cleanup() {
    local rc=$?
    "$root/scripts/lab-hosts.sh" teardown --prefix "$PREFIX" >/dev/null 2>&1 || true
    exit "$rc"
}
trap cleanup EXIT

for i in 0 1 2; do
    mkdir -p "$work/pool-${names[$i]}"
    chmod 0755 "$work/pool-${names[$i]}"
    virsh -q -c "$(sock "${names[$i]}")" pool-define-as "$POOL" dir --target "$work/pool-${names[$i]}" >/dev/null
    virsh -q -c "$(sock "${names[$i]}")" pool-start "$POOL" >/dev/null
done
log "lab hosts: ${names[*]} (the last over qemu+ssh)"

# --- 1. create 1+N on one host, then spread over two ---------------------------------------------
spec() {  # NAME HOSTCOUNT
    local hosts="" i
    for ((i = 0; i < $2; i++)); do hosts+="    - {name: ${names[$i]}, uri: \"${uris[$i]}\"}"$'\n'; done
    cat <<YAML
apiVersion: kinvm.dev/v1alpha1
kind: Cluster
metadata: {name: $1}
spec:
  hosts:
${hosts}  placement: spread
  virtType: $VIRT
  kubernetes: {distribution: kubeadm}
  image: $POOL/node.qcow2
  imageSource: {file: $KINVM_NODE_IMAGE}
  boot: {kernel: $KINVM_NODE_KERNEL, initrd: $KINVM_NODE_INITRD, cmdline: "$KINVM_NODE_CMDLINE"}
  network: {mode: bridged, bridge: br-kinvm, cidr: 10.251.0.0/24, addresses: 10.251.0.100-10.251.0.150, gateway: 10.251.0.1}
  controlPlane: {vcpus: 1, memory: 768MiB}
  pools:
    - {name: workers, count: $workers, vcpus: 1, memory: 768MiB}
YAML
}

bench_cluster() {  # NAME HOSTCOUNT
    local name=$1 count=$2
    spec "$name" "$count" >"$work/$name.yaml"
    log "kinvm cluster create 1+$workers over $count host(s)"
    /usr/bin/time -f '%e %U %S' -o "$results/$name-create.time" \
        ip netns exec "$LAB" "$kinvm" cluster create -f "$work/$name.yaml" --wait 40m --parallel 4 -o json \
        >"$results/$name-create.json" 2>"$results/$name-create.log" \
        || { tail -n 40 "$results/$name-create.log" >&2; die "cluster create $name failed"; }
    in_lab "$kinvm" cluster get "$name" -c "${uris[0]}" >"$results/$name-get.txt" 2>&1 || true
    log "kinvm cluster delete $name"
    /usr/bin/time -f '%e %U %S' -o "$results/$name-delete.time" \
        ip netns exec "$LAB" "$kinvm" cluster delete "$name" -c "${uris[0]}" >"$results/$name-delete.log" 2>&1 \
        || { cat "$results/$name-delete.log" >&2; die "cluster delete $name failed"; }
    local left=0 i
    for ((i = 0; i < count; i++)); do
        left=$((left + $(virsh -q -c "$(sock "${names[$i]}")" list --all --name | grep -c "^$name-" || true)))
        left=$((left + $(virsh -q -c "$(sock "${names[$i]}")" vol-list "$POOL" | grep -c "$name-" || true)))
        left=$((left + $(virsh -q -c "$(sock "${names[$i]}")" net-list --all --name | grep -c "^kinvm-$name$" || true)))
    done
    echo "$left" >"$results/$name-leftover"
}

if [ "$clusters" = 1 ]; then
    for i in 0 1; do
        in_lab "$kinvm" image import "$KINVM_NODE_IMAGE" --pool "$POOL" --name node.qcow2 -c "${uris[$i]}" >/dev/null
    done
    bench_cluster one 1
    bench_cluster two 2
fi

# --- 2. list G guests on one host versus three --------------------------------------------------
define_guests() {  # HOST FIRST LAST
    local uri i
    uri=$(sock "$1")
    for ((i = $2; i <= $3; i++)); do
        cat >"$work/g.xml" <<XML
<domain type='qemu'><name>lg-$i</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os></domain>
XML
        virsh -q -c "$uri" define "$work/g.xml" >/dev/null
    done
}
undefine_guests() {  # HOST
    local uri d
    uri=$(sock "$1")
    for d in $(virsh -q -c "$uri" list --all --name | grep '^lg-' || true); do virsh -q -c "$uri" undefine "$d" >/dev/null; done
}
hosts_file() {  # FILE INDEXES...
    local file=$1 i
    shift
    echo "hosts:" >"$file"
    for i in "$@"; do echo "  - {name: ${names[$i]}, uri: \"${uris[$i]}\"}" >>"$file"; done
}
time_runs() {  # OUT COMMAND...
    local out=$1 r t0
    shift
    : >"$out"
    for ((r = 0; r < runs; r++)); do
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || die "failed: $*"
        echo "$(date +%s.%N) - $t0" | bc >>"$out"
    done
}

per=$((guests / 3))
log "vm list: $guests guests on one host"
define_guests "${names[0]}" 1 "$guests"
hosts_file "$work/one.yaml" 0
time_runs "$results/list-one.txt" in_lab "$kinvm" vm list --all --hosts "$work/one.yaml"
undefine_guests "${names[0]}"
log "vm list: $per guests on each of three hosts"
define_guests "${names[0]}" 1 "$per"
define_guests "${names[1]}" $((per + 1)) $((2 * per))
define_guests "${names[2]}" $((2 * per + 1)) $((3 * per))
hosts_file "$work/three.yaml" 0 1 2
time_runs "$results/list-three.txt" in_lab "$kinvm" vm list --all --hosts "$work/three.yaml"
in_lab "$kinvm" vm list --all --hosts "$work/three.yaml" | tail -n +2 | awk '{print $2}' | sort | uniq -c >"$results/list-three-hosts.txt"
sequential() { local i; for i in 0 1 2; do in_lab "$kinvm" vm list --all -c "${uris[$i]}" >/dev/null || return 1; done; }
time_runs "$results/list-sequential.txt" sequential
time_runs "$results/list-ssh.txt" in_lab "$kinvm" vm list --all -c "${uris[2]}"
for i in 0 1 2; do undefine_guests "${names[$i]}"; done

# --- summary ------------------------------------------------------------------------------------
/usr/bin/python3 - "$results" "$workers" "$clusters" "$guests" "$per" <<'PY'
import json, statistics, sys
results, workers, clusters, guests, per = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4], sys.argv[5]

def times(path):
    wall, user, sys_ = open(path).read().split()[-3:]
    return float(wall), float(user) + float(sys_)

if clusters:
    print(f"\n## kinvm cluster create 1+{workers} (seconds; CPU = kinvm's user+sys)")
    print(f"{'hosts':<16}{'create':>9}{'CPU':>7}{'control plane':>15}{'slowest node':>14}{'delete':>8}{'left':>6}")
    for name, label in (("one", "1 host"), ("two", "2 hosts, spread")):
        wall, cpu = times(f"{results}/{name}-create.time")
        timings = json.load(open(f"{results}/{name}-create.json"))["timings"]
        dwall, _ = times(f"{results}/{name}-delete.time")
        left = int(open(f"{results}/{name}-leftover").read())
        print(f"{label:<16}{wall:>9.1f}{cpu:>7.2f}{timings['controlPlaneSeconds']:>15.1f}{timings['slowestNodeSeconds']:>14.1f}{dwall:>8.1f}{left:>6}")

def med(name):
    values = [float(x) for x in open(f"{results}/{name}.txt").read().split()]
    return statistics.median(values), min(values), max(values)

print(f"\n## kinvm vm list --all of {guests} guests (seconds: median, min, max of the runs)")
for name, label in (("list-one", f"1 host, {guests} guests"), ("list-three", f"3 hosts, {per} each, at once"),
                    ("list-sequential", "3 hosts one after the other (-c)"), ("list-ssh", f"the qemu+ssh host alone, {per}")):
    m, lo, hi = med(name)
    print(f"{label:<36}{m:>8.3f}{lo:>8.3f}{hi:>8.3f}")
print(open(f"{results}/list-three-hosts.txt").read())
print(f"raw results: {results}")
PY
