#!/usr/bin/env bash
# Guest-creation and listing benchmarks for issue "VM lifecycle", side by side in one run:
#   1. `kinvm vm create` of 1 and of 4 Debian guests in one command, against the same work
#      done with virt-install --import (seed ISO by genisoimage, qcow2 overlay by libvirt):
#      seconds from the command's start until each domain runs, its guest agent answers,
#      and cloud-init is done (one probe, Benchmarks/guest_probe.py, times both alike);
#   2. kinvm's own CPU time per created guest (user+sys of the kinvm process, which
#      returns once the guests run: the guests' boot is not in it);
#   3. `kinvm vm list -o json` against `virsh list --all` on a test-driver host with
#      1,000 domains (each a new process, as a user runs them; hyperfine).
#
# usage: Benchmarks/vm-bench.sh [--kinvm BIN] [--counts "1 4"] [--skip-create] [--skip-list]
# Run through scripts/bench.sh --vm, which installs virtinst, genisoimage and hyperfine,
# builds kinvm (release) and the Debian image. Guests run with virt type $KINVM_BENCH_VIRT_TYPE
# (default qemu: TCG, as KVM does not work on the project's machines) and user-mode NICs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
kinvm=""
counts="1 4"
do_create=1
do_list=1
while [ $# -gt 0 ]; do
    case "$1" in
        --kinvm) kinvm=${2:?}; shift 2 ;;
        --counts) counts=${2:?}; shift 2 ;;
        --skip-create) do_create=0; shift ;;
        --skip-list) do_list=0; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "vm-bench.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$kinvm" ] || kinvm="$(cd "$root" && swift build -c release --show-bin-path)/kinvm"
[ -x "$kinvm" ] || { echo "vm-bench.sh: $kinvm not built (swift build -c release --product kinvm)" >&2; exit 1; }

URI=qemu:///system
VIRT=${KINVM_BENCH_VIRT_TYPE:-qemu}
POOL="kinvm-bench"
work=/var/tmp/kinvm-bench
debian_env=${KINVM_CACHE:-/var/cache/kinvm}/debian-12/ENV
# shellcheck disable=SC1090
. "$debian_env"
log() { printf '[vm-bench] %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { /usr/bin/python3 -c "import sys, time; print(round(time.time() - float(sys.argv[1]), 2))" "$1"; }

mkdir -p "$work/pool" "$work/seeds" "$work/results"
chmod 0755 "$work" "$work/pool" "$work/seeds"
results="$work/results"

setup_pool() {
    if ! virsh -q -c "$URI" pool-info "$POOL" >/dev/null 2>&1; then
        virsh -q -c "$URI" pool-define-as "$POOL" dir --target "$work/pool" >/dev/null
    fi
    # Defined by an earlier run but inactive after a libvirtd restart, or still running.
    virsh -q -c "$URI" pool-start "$POOL" >/dev/null 2>&1 || true
    if ! virsh -q -c "$URI" vol-info --pool "$POOL" debian-12.qcow2 >/dev/null 2>&1; then
        log "importing the Debian image into pool $POOL"
        "$kinvm" image import "$KINVM_DEBIAN_IMAGE" --pool "$POOL" --name debian-12.qcow2 -c "$URI" >&2
    fi
}

cat >"$work/user-data" <<'YAML'
#cloud-config
locale: false
write_files:
  - path: /run/bench-marker
    content: "created by cloud-init\n"
runcmd:
  - [touch, /run/bench-runcmd]
YAML

# kinvm: N guests in one command; the command returns once all run.
bench_kinvm() {
    local n=$1 names=() i
    for i in $(seq 1 "$n"); do names+=("bk-$n-$i"); done
    log "kinvm vm create ${names[*]}"
    local t0; t0=$(now)
    /usr/bin/python3 "$here/guest_probe.py" "$URI" "$t0" "${names[@]}" >"$results/kinvm-$n.json" &
    local probe=$!
    /usr/bin/time -f '%e %U %S' -o "$results/kinvm-$n.time" \
        "$kinvm" vm create "${names[@]}" -c "$URI" --pool "$POOL" --image "$POOL/debian-12.qcow2" \
        --template k8s-node --virt-type "$VIRT" --vcpus 1 --max-vcpus 2 --memory 768MiB --network user \
        --kernel "$KINVM_DEBIAN_KERNEL" --initrd "$KINVM_DEBIAN_INITRD" --cmdline "$KINVM_DEBIAN_CMDLINE" \
        --user-data "$work/user-data" --wait running --parallel 4 >/dev/null
    wait "$probe"
    "$kinvm" vm delete "${names[@]}" -c "$URI" >/dev/null
}

# virt-install: the same guests, one virt-install per guest, started together.
bench_virt_install() {
    local n=$1 names=() i pids=()
    for i in $(seq 1 "$n"); do names+=("bv-$n-$i"); done
    log "virt-install --import ${names[*]}"
    local base; base=$(virsh -q -c "$URI" vol-path --pool "$POOL" debian-12.qcow2)
    local t0; t0=$(now)
    /usr/bin/python3 "$here/guest_probe.py" "$URI" "$t0" "${names[@]}" >"$results/virt-install-$n.json" &
    local probe=$!
    local start; start=$(now)
    for name in "${names[@]}"; do
        (
            printf 'instance-id: %s\nlocal-hostname: %s\n' "$name" "$name" >"$work/seeds/$name-meta-data"
            mkdir -p "$work/seeds/$name" && cp "$work/user-data" "$work/seeds/$name/user-data" \
                && cp "$work/seeds/$name-meta-data" "$work/seeds/$name/meta-data"
            genisoimage -quiet -output "$work/seeds/$name.iso" -volid cidata -joliet -rock \
                "$work/seeds/$name/user-data" "$work/seeds/$name/meta-data"
            virt-install --connect "$URI" --name "$name" --virt-type "$VIRT" --machine q35 --cpu mode=maximum \
                --vcpus 1,maxvcpus=2 --memory 768 --osinfo detect=on,require=off --import \
                --disk "pool=$POOL,size=6,backing_store=$base,backing_format=qcow2,format=qcow2,bus=virtio" \
                --disk "path=$work/seeds/$name.iso,device=disk,bus=virtio,readonly=on" \
                --network user,model=virtio \
                --boot "kernel=$KINVM_DEBIAN_KERNEL,initrd=$KINVM_DEBIAN_INITRD,kernel_args=$KINVM_DEBIAN_CMDLINE" \
                --channel unix,target.type=virtio,target.name=org.qemu.guest_agent.0 \
                --memballoon virtio --graphics none --noautoconsole >/dev/null 2>"$results/virt-install-$name.err"
        ) &
        pids+=($!)
    done
    local failed=0
    for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
    echo "$(elapsed "$start") $failed" >"$results/virt-install-$n.time"
    wait "$probe"
    for name in "${names[@]}"; do
        virsh -q -c "$URI" destroy "$name" >/dev/null 2>&1 || true
        virsh -q -c "$URI" undefine "$name" --remove-all-storage >/dev/null 2>&1 || true
        rm -rf "$work/seeds/$name" "$work/seeds/$name.iso" "$work/seeds/$name-meta-data"
    done
}

summarize_create() {
    # shellcheck disable=SC2086  # one argument per count
    /usr/bin/python3 - "$results" $counts <<'PY'
import json, sys, statistics
results, counts = sys.argv[1], sys.argv[2:]
print("\n## Guest creation (Debian 12, %s guests; seconds from the command's start)" % "/".join(counts))
print(f"{'tool':<14}{'guests':>7}{'cmd returned':>14}{'all running':>13}{'agent (max)':>13}{'cloud-init (median/max)':>26}{'cloud-init':>12}")
for tool in ("kinvm", "virt-install"):
    for n in counts:
        try:
            probe = json.load(open(f"{results}/{tool}-{n}.json"))
            timing = open(f"{results}/{tool}-{n}.time").read().split()
        except FileNotFoundError:
            continue
        running = [v["running"] for v in probe.values() if v["running"] is not None]
        agents = [v["agent"] for v in probe.values() if v["agent"] is not None]
        done = [v["cloud_init"] for v in probe.values() if v["cloud_init"] is not None]
        statuses = ",".join(sorted({v["status"] for v in probe.values()}))
        fmt = lambda xs, f=max: f"{f(xs):.1f}" if xs else "-"
        med = f"{statistics.median(done):.1f}/{max(done):.1f}" if done else "-"
        print(f"{tool:<14}{n:>7}{float(timing[0]):>14.1f}{fmt(running):>13}{fmt(agents):>13}{med:>26}{statuses:>12}")
print("\n## kinvm CPU time per created guest (user+sys of `kinvm vm create --wait running`)")
for n in counts:
    try:
        wall, user, system = map(float, open(f"{results}/kinvm-{n}.time").read().split())
    except FileNotFoundError:
        continue
    print(f"  {n} guest(s): {user + system:.2f} s CPU in all, {(user + system) / int(n) * 1000:.0f} ms per guest (wall {wall:.1f} s)")
PY
}

bench_list() {
    local host="$work/host-1000.xml"
    /usr/bin/python3 "$here/make-hostfile.py" "$host" --domains 1000 --kinvm-metadata
    log "vm list -o json vs virsh list --all, 1,000 domains (test driver)"
    if command -v hyperfine >/dev/null; then
        hyperfine --warmup 2 --runs 15 --style basic -N \
            "$kinvm vm list -o json -c test://$host" \
            "$kinvm vm list -o text -c test://$host" \
            "virsh -c test://$host list --all" 2>&1 | grep -v '^$'
    else
        for cmd in "$kinvm vm list -o json -c test://$host" "virsh -c test://$host list --all"; do
            local t; t=$(now)
            for _ in $(seq 10); do $cmd >/dev/null; done
            echo "$cmd: $(elapsed "$t") s for 10 runs"
        done
    fi
    local count; count=$("$kinvm" vm list -o json -c "test://$host" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    echo "kinvm vm list -o json listed $count guests"
}

if [ "$do_create" = 1 ]; then
    setup_pool
    for n in $counts; do
        bench_kinvm "$n"
        bench_virt_install "$n"
    done
    summarize_create
fi
[ "$do_list" = 0 ] || bench_list
