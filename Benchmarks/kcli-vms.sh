#!/usr/bin/env bash
# "The VM part" of a cluster, done by kcli (https://github.com/karmab/kcli) for a side-by-side
# comparison with kinvm: N guests like kinvm's cluster nodes (V vCPUs, M MiB, virt type qemu, a
# qcow2 overlay on the node image, a cloud-init NoCloud seed, one virtio NIC on a libvirt network,
# direct kernel boot) created with kcli against a libvirtd of our own, timed, deleted with kcli,
# and checked to leave nothing behind.
#
# Usage: Benchmarks/kcli-vms.sh --uri URI --netns NS --count N --vcpus V --memory MIB
#            [--network NET] [--prefix P] [--pool POOL] [--cidr CIDR] [--mode plan|vms]
#            [--until running|ip|cloud-init] [--timeout S] [--purge]
#   --uri, --netns  a libvirtd started with `scripts/libvirtd.sh start --netns NS` (it prints URI).
#                   Every kcli command runs inside NS (`ip netns exec`): the guests' network, its
#                   dnsmasq and any traffic of kcli itself stay in the namespace.
#   --network NET   libvirt network of the NICs (default kcli-bench). When missing it is created
#                   with `kcli create network -c CIDR` (default 192.168.233.0/24) and deleted at exit.
#   --prefix P      guests P-1 .. P-N, kcli plan P (default kb)
#   --pool POOL     dir pool (default kcli-bench, in the work directory), created with
#                   `kcli create pool` when missing; the image is imported into it once with
#                   `kcli download image` (not timed). Pool and image are kept for the next run
#                   unless --purge.
#   --mode          plan (default): one `kcli create plan --threaded` (kcli's own parallel mode:
#                   one process, one libvirt connection, a thread per VM); vms: N `kcli create vm`
#                   processes started together. vms is unreliable: each create refreshes the pool,
#                   which libvirt refuses while another process uploads its seed ISO ("pool has
#                   asynchronous jobs running"), and kcli then fails with "you don't have image".
#   --until         what to wait for before deleting: running, ip (every guest has a DHCP lease,
#                   which `kcli info` reports, and its guest agent answers) or cloud-init (also
#                   /run/cloud-init/result.json exists; default)
#   --timeout S     give up waiting S seconds after the create command started (default 900)
#
# Output: `key=value` lines on stdout, everything else on stderr. Seconds count from the start
# of the create command (Benchmarks/guest_probe.py, kinvm's probe too: every 0.5 s, cloud-init every 2 s):
#   kcli.version, kcli.commit, kcli.libvirt_python, kcli.mode, kcli.count, kcli.vcpus, kcli.memory_mib
#   kcli.command_seconds      wall time of the kcli create command(s) (returns once started)
#   kcli.create_seconds       until all N domains are running
#   kcli.agent_seconds        until every guest agent answers guest-ping
#   kcli.ip_seconds           until every guest has a DHCP lease (libvirt network)
#   kcli.cloud_init_seconds   until every guest wrote /run/cloud-init/result.json (read via agent)
#   kcli.create_cpu_seconds   user+sys of the kcli create process(es) and their children
#   kcli.delete_seconds, kcli.delete_cpu_seconds   `kcli delete vm -y` of all N (one process)
#   kcli.leftover_domains, kcli.leftover_volumes, kcli.leftover_files   what remained after the
#                             delete: domains, volumes in the pool, files in its directory (all 0)
#   kcli.guest.NAME.{running,agent,ip,cloud_init}_seconds, kcli.guest.NAME.address
#   kcli.info_ips             NAME:IP as `kcli info vm` reports them afterwards (not timed)
# A stage not reached prints NA; the exit status is then 1.
#
# kcli has no direct kernel boot and attaches its seed as a SATA cdrom, which the node image's
# Debian cloud kernel cannot see (no AHCI driver); the image has no boot loader either. Both are
# passed to QEMU through kcli's `qemuextra` parameter (<qemu:commandline>): -kernel/-initrd/-append
# with the image's command line, and kcli's own seed ISO again as a read-only virtio disk. kcli
# splits qemuextra at spaces, so the -append value is written with tabs (XML attribute
# normalisation turns them back into spaces).
#
# Installs (idempotent): the apt packages kcli needs, and kcli + libvirt-python into a venv.
# kcli's configuration lives in a private HOME under the work directory (~/.kcli is not touched).
# On exit, even on failure: the guests are deleted (kcli, then virsh), a network it created too.
#
# Environment: KINVM_KCLI_VENV (default /var/cache/kinvm/kcli-venv), KINVM_KCLI_VERSION (pip
# version of kcli; default: whatever the venv has, else the newest), KINVM_KCLI_WORK (default
# /var/tmp/kinvm-kcli-bench/NS), KINVM_CACHE (node image in $KINVM_CACHE/debian-12-standin).
set -euo pipefail

SCRIPT_NAME=kcli-vms.sh
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=../scripts/common.sh source-path=SCRIPTDIR
. "$here/../scripts/common.sh"

usage() { sed -n '2,60p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

uri="" netns="" count="" vcpus="" memory="" network=kcli-bench prefix=kb pool=kcli-bench
cidr=192.168.233.0/24 mode=plan until=cloud-init timeout=900 purge=0
while [ $# -gt 0 ]; do
    case "$1" in
        --uri) uri=${2:?}; shift 2 ;;
        --netns) netns=${2:?}; shift 2 ;;
        --count) count=${2:?}; shift 2 ;;
        --vcpus) vcpus=${2:?}; shift 2 ;;
        --memory) memory=${2:?}; shift 2 ;;
        --network) network=${2:?}; shift 2 ;;
        --prefix) prefix=${2:?}; shift 2 ;;
        --pool) pool=${2:?}; shift 2 ;;
        --cidr) cidr=${2:?}; shift 2 ;;
        --mode) mode=${2:?}; shift 2 ;;
        --until) until=${2:?}; shift 2 ;;
        --timeout) timeout=${2:?}; shift 2 ;;
        --purge) purge=1; shift ;;
        -h|--help) usage 0 ;;
        *) log "unknown argument: $1"; usage ;;
    esac
done
if [ -z "$uri" ] || [ -z "$netns" ] || [ -z "$count" ] || [ -z "$vcpus" ] || [ -z "$memory" ]; then usage; fi
for v in count vcpus memory timeout; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive integer (got '${!v}')"
done
[[ $prefix =~ ^[a-z][a-z0-9-]{0,40}$ ]] || die "--prefix must match [a-z][a-z0-9-]* (got '$prefix')"
for v in network pool; do
    [[ ${!v} =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "--$v: invalid name '${!v}'"
done
case "$mode" in plan|vms) ;; *) die "--mode must be plan or vms" ;; esac
case "$until" in running|ip|cloud-init) ;; *) die "--until must be running, ip or cloud-init" ;; esac
need_root

venv=${KINVM_KCLI_VENV:-/var/cache/kinvm/kcli-venv}
work=${KINVM_KCLI_WORK:-/var/tmp/kinvm-kcli-bench/$netns}
node_env=${KINVM_CACHE:-/var/cache/kinvm}/debian-12-standin/ENV
image_name=debian12-kinvm-node.qcow2   # "debian" in the name: kcli then names the NIC ens3 in its network-config
khome=$work/home
results=$work/results
names=()
for i in $(seq 1 "$count"); do names+=("$prefix-$i"); done

# --- 1. kcli in a venv --------------------------------------------------------------------
install_kcli() {
    # What kcli and libvirt-python need (python3-venv, python3-dev, gcc, libvirt-dev, ...) is in
    # the host set-up's one package list (installs only what is missing).
    "$here/../scripts/setup-host.sh" >&2
    mkdir -p "$(dirname "$venv")"
    exec 9>"$(dirname "$venv")/.$(basename "$venv").lock"
    flock 9
    local have=""
    have=$("$venv/bin/python" -c 'import importlib.metadata as m, kvirt, libvirt; print(m.version("kcli"))' 2>/dev/null) || have=""
    if [ -z "$have" ] || { [ -n "${KINVM_KCLI_VERSION:-}" ] && [ "$have" != "$KINVM_KCLI_VERSION" ]; }; then
        log "installing kcli${KINVM_KCLI_VERSION:+ $KINVM_KCLI_VERSION} and libvirt-python into $venv"
        rm -rf "$venv"
        /usr/bin/python3 -m venv "$venv" || die "python3 -m venv $venv failed"
        "$venv/bin/pip" install -q "kcli${KINVM_KCLI_VERSION:+==$KINVM_KCLI_VERSION}" libvirt-python >&2 \
            || { rm -rf "$venv"; die "pip install kcli libvirt-python failed"; }
    fi
    flock -u 9
    exec 9>&-
}

# kcli inside the namespace, with the private HOME, from the work directory (kcli may write
# files such as PLAN.key into its current directory).
kcli_ns() { (cd "$work/run" && ip netns exec "$netns" env HOME="$khome" "$venv/bin/kcli" "$@"); }
vsh() { virsh -q -c "$uri" "$@"; }

install_kcli
kcli_version=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("kcli"))')
kcli_commit=$("$venv/bin/python" -c '
import os, kvirt.version as v
p = os.path.join(os.path.dirname(v.__file__), "git")
print((open(p).read().split() or ["N/A"])[0] if os.path.exists(p) else "N/A")')
libvirt_python=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("libvirt-python"))')
echo "kcli.version=$kcli_version"
echo "kcli.commit=$kcli_commit"
echo "kcli.libvirt_python=$libvirt_python"

# --- checks ---------------------------------------------------------------------------------
[ -e "/run/netns/$netns" ] || die "network namespace $netns does not exist (scripts/libvirtd.sh start --netns $netns)"
vsh version >/dev/null 2>&1 || die "libvirtd at $uri does not answer"
[ -r "$node_env" ] || die "$node_env missing: build the node image first (scripts/build-node-image.sh)"
# shellcheck disable=SC1090
. "$node_env"
for f in "$KINVM_NODE_IMAGE" "$KINVM_NODE_KERNEL" "$KINVM_NODE_INITRD"; do
    [ -r "$f" ] || die "$f missing (see $node_env)"
done
case "$KINVM_NODE_CMDLINE" in *"'"*|*'"'*|*'<'*|*'&'*) die "cannot pass the kernel command line through qemuextra: $KINVM_NODE_CMDLINE" ;; esac

# One run at a time per work directory (the cleanup of one would delete the other's guests).
mkdir -p "$work"
exec 8>"$work/.lock"
flock -n 8 || die "another bench-kcli-vms.sh run is using $work"

# --- cleanup, also on failure -----------------------------------------------------------------
probe_pid="" created_network=0 deleted=0
existing_guests() {
    local all name
    all=$(vsh list --all --name 2>/dev/null || true)
    for name in "${names[@]}"; do grep -qxF "$name" <<<"$all" && echo "$name"; done
    return 0
}
# Volumes in the pool other than the image (kcli names them NAME_0.img and NAME.ISO).
stray_volumes() {
    vsh vol-list "$pool" 2>/dev/null | awk -v img="$image_name" 'NF && $1 != img { print $1 }' \
        | grep -E "^($(IFS='|'; echo "${names[*]}"))(_[0-9]+\.img|\.ISO)$" || true
}
remove_guests() {  # kcli first, then virsh for whatever kcli left
    local left name vol
    mapfile -t left < <(existing_guests)
    if [ "${#left[@]}" -gt 0 ]; then
        log "deleting guests: ${left[*]}"
        kcli_ns delete vm -y "${left[@]}" >&2 || true
    fi
    for name in $(existing_guests); do
        vsh destroy "$name" >/dev/null 2>&1 || true
        vsh undefine "$name" >/dev/null 2>&1 || true
    done
    for vol in $(stray_volumes); do vsh vol-delete --pool "$pool" "$vol" >/dev/null 2>&1 || true; done
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$probe_pid" ]; then kill "$probe_pid" 2>/dev/null || true; wait "$probe_pid" 2>/dev/null || true; fi
    if [ "$deleted" = 0 ] && [ -d "$work/run" ]; then remove_guests; fi
    if [ "$created_network" = 1 ]; then
        kcli_ns delete network -y "$network" >/dev/null 2>&1 || vsh net-destroy "$network" >/dev/null 2>&1 || true
        vsh net-undefine "$network" >/dev/null 2>&1 || true
    fi
    if [ "$purge" = 1 ] && [ -d "$work/run" ]; then
        log "purging pool $pool and $work"
        vsh vol-delete --pool "$pool" "$image_name" >/dev/null 2>&1 || true
        vsh pool-destroy "$pool" >/dev/null 2>&1 || true
        vsh pool-undefine "$pool" >/dev/null 2>&1 || true
        rm -rf "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 2. kcli's configuration, pool, image, network ------------------------------------------
mkdir -p "$khome/.kcli" "$khome/.ssh" "$work/run" "$results" "$work/pool"
chmod 0755 "$work" "$work/pool"
rm -f "$results"/*
cat >"$khome/.kcli/config.yml" <<YAML
# Written by Benchmarks/kcli-vms.sh: one kvm client, the libvirtd of netns $netns.
default:
  client: bench
bench:
  type: kvm
  host: 127.0.0.1
  url: $uri
  pool: $pool
YAML
# kcli puts ~/.ssh/*.pub into the user-data (and warns without one): a throwaway key.
[ -r "$khome/.ssh/id_ed25519.pub" ] || ssh-keygen -q -t ed25519 -N '' -C kcli-bench -f "$khome/.ssh/id_ed25519"

if ! vsh pool-info "$pool" >/dev/null 2>&1; then
    log "kcli create pool -p $work/pool $pool"
    kcli_ns create pool -p "$work/pool" "$pool" >&2 || die "kcli create pool failed"
fi
vsh pool-start "$pool" >/dev/null 2>&1 || true
# The first <path> of the pool's XML (read whole first: `| head -n 1` under pipefail can fail
# when head exits before the writer is done).
pool_xml=$(vsh pool-dumpxml "$pool") || die "virsh pool-dumpxml $pool failed"
pool_path=$(sed -n 's:.*<path>\(.*\)</path>.*:\1:p' <<<"$pool_xml")
pool_path=${pool_path%%$'\n'*}
[ -d "$pool_path" ] || die "pool $pool has no directory ($pool_path)"

# The image, once per image build (its SHA256SUMS line is kept beside the pool).
image_sum=$(grep -F " node.qcow2" "$(dirname "$KINVM_NODE_IMAGE")/SHA256SUMS" 2>/dev/null || stat -c '%s %Y' "$KINVM_NODE_IMAGE")
if [ "$(cat "$work/image.sum" 2>/dev/null || true)" != "$image_sum" ] || ! vsh vol-info --pool "$pool" "$image_name" >/dev/null 2>&1; then
    remove_guests
    vsh vol-delete --pool "$pool" "$image_name" >/dev/null 2>&1 || true
    log "importing the node image: kcli download image $image_name -u file://$KINVM_NODE_IMAGE (not timed)"
    t=$(now)
    kcli_ns download image "$image_name" -u "file://$KINVM_NODE_IMAGE" -P "pool=$pool" >"$results/import.log" 2>&1 \
        || { cat "$results/import.log" >&2; die "kcli download image failed"; }
    vsh vol-info --pool "$pool" "$image_name" >/dev/null 2>&1 || die "the image is not in pool $pool after the import"
    printf '%s\n' "$image_sum" >"$work/image.sum"
    log "imported in $(elapsed_since "$t") s"
fi
disk_gib=$(qemu-img info --output=json "$pool_path/$image_name" \
    | "$venv/bin/python" -c 'import json,sys; print(-(-json.load(sys.stdin)["virtual-size"] // 2**30))')

if ! vsh net-info "$network" >/dev/null 2>&1; then
    log "kcli create network -c $cidr $network"
    kcli_ns create network -c "$cidr" "$network" >&2 || die "kcli create network failed"
    created_network=1
fi
vsh net-start "$network" >/dev/null 2>&1 || true

# Guests of an earlier, interrupted run.
if [ -n "$(existing_guests)" ]; then remove_guests; fi
[ -z "$(existing_guests)" ] || die "guests $(existing_guests | tr '\n' ' ')already exist and could not be deleted"

# --- 3. what kcli creates ---------------------------------------------------------------------
# One YAML mapping of kcli VM parameters per guest (a plan entry, or a --paramfile).
vm_params() {  # NAME INDENT
    local name=$1 ind=$2 append
    append=${KINVM_NODE_CMDLINE// /\\t}
    cat <<YAML
${ind}image: $image_name
${ind}pool: $pool
${ind}numcpus: $vcpus
${ind}memory: $memory
${ind}nets: [$network]
${ind}disks: [$disk_gib]
${ind}virttype: qemu
${ind}nested: false
${ind}qemuextra: "-kernel $KINVM_NODE_KERNEL -initrd $KINVM_NODE_INITRD -append $append -drive file=$pool_path/$name.ISO,if=none,id=kinvmseed,format=raw,readonly=on -device virtio-blk-pci,drive=kinvmseed,addr=0x1e"
YAML
}
: >"$work/run/plan.yml"
for name in "${names[@]}"; do
    printf '%s:\n' "$name" >>"$work/run/plan.yml"
    vm_params "$name" "  " >>"$work/run/plan.yml"
    vm_params "$name" "" >"$work/run/$name.params.yml"
done

# --- 4. timing --------------------------------------------------------------------------------

log "creating ${#names[@]} guest(s) with kcli ($mode mode): ${names[*]}"
t0=$(now)
# The probe kinvm's benchmarks use too (Benchmarks/guest_probe.py), so both are timed alike.
"$venv/bin/python" "$here/guest_probe.py" "$uri" "$t0" "${names[@]}" --until "$until" --timeout "$timeout" \
    >"$results/probe.json" &
probe_pid=$!
create_failed=0
if [ "$mode" = plan ]; then
    log "kcli create plan --threaded -f plan.yml $prefix"
    /usr/bin/time -f '%e %U %S' -o "$results/create.time" \
        ip netns exec "$netns" env HOME="$khome" "$venv/bin/kcli" create plan --threaded -f "$work/run/plan.yml" "$prefix" \
        >"$results/create.log" 2>&1 || create_failed=1
else
    log "kcli create vm -i $image_name --paramfile NAME.params.yml NAME, ${#names[@]} processes"
    pids=()
    for name in "${names[@]}"; do
        /usr/bin/time -f '%e %U %S' -o "$results/create-$name.time" \
            ip netns exec "$netns" env HOME="$khome" "$venv/bin/kcli" create vm -i "$image_name" \
            --paramfile "$work/run/$name.params.yml" -P "plan=$prefix" "$name" >"$results/create-$name.log" 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || create_failed=1; done
    # The command time of all: the last to return; CPU: the sum.
    for name in "${names[@]}"; do tail -n 1 "$results/create-$name.time"; done \
        | awk -v wall="$(elapsed_since "$t0")" '{ u += $2; s += $3 } END { print wall, u, s }' >"$results/create.time"
    cat "$results"/create-*.log >"$results/create.log"
fi
# kcli's exit status does not always tell (a failed VM in a plan): the domains must exist.
if [ "$create_failed" = 1 ] || [ "$(existing_guests | wc -l)" -ne "${#names[@]}" ]; then
    cat "$results/create.log" >&2
    die "kcli did not create all ${#names[@]} guests"
fi
grep -iE 'error|warning' "$results/create.log" | sort | uniq -c | sed 's/^/  kcli said: /' >&2 || true
log "kcli returned after $(cut -d' ' -f1 "$results/create.time") s; waiting for: $until"
wait "$probe_pid" || true
probe_pid=""

# /usr/bin/time writes "Command exited with non-zero status N" first when the command failed.
read -r c_wall c_user c_sys < <(tail -n 1 "$results/create.time")
echo "kcli.mode=$mode"
echo "kcli.count=$count"
echo "kcli.vcpus=$vcpus"
echo "kcli.memory_mib=$memory"
echo "kcli.command_seconds=$c_wall"
incomplete=0
"$venv/bin/python" - "$results/probe.json" "$until" >"$results/summary" <<'PY' || incomplete=1
import json, sys
res, until = json.load(open(sys.argv[1])), sys.argv[2]
stages = {"running": ["running"], "ip": ["running", "agent", "ip"],
          "cloud-init": ["running", "agent", "ip", "cloud_init"]}[until]
missing = False
for stage, key in [("running", "create"), ("agent", "agent"), ("ip", "ip"), ("cloud_init", "cloud_init")]:
    if stage not in stages:
        continue
    values = [v[stage] for v in res.values()]
    if None in values:
        missing = True
    print(f"kcli.{key}_seconds=" + ("NA" if None in values else f"{max(values):.2f}"))
for name, v in sorted(res.items()):
    for stage in stages:
        print(f"kcli.guest.{name}.{stage}_seconds=" + ("NA" if v[stage] is None else f"{v[stage]:.2f}"))
    if "ip" in stages:
        print(f"kcli.guest.{name}.address={v['address'] or 'NA'}")
    if "cloud_init" in stages:
        print(f"kcli.guest.{name}.cloud_init_status={v['status'] if v['cloud_init'] is not None else 'NA'}")
sys.exit(1 if missing else 0)
PY
cat "$results/summary"
awk -v u="$c_user" -v s="$c_sys" 'BEGIN { printf "kcli.create_cpu_seconds=%.2f\nkcli.create_cpu_user_seconds=%.2f\nkcli.create_cpu_sys_seconds=%.2f\n", u + s, u, s }'
if [ "$until" != running ]; then
    # What kcli itself reports (its `info` reads the same DHCP leases, then the agent).
    kcli_ns -o json info vm "${names[@]}" 2>/dev/null | "$venv/bin/python" -c '
import json, sys
text = sys.stdin.read().strip()
try:
    data = json.loads(text)
except ValueError:  # one JSON object per line/VM
    data = [json.loads(l) for l in text.splitlines() if l.strip().startswith("{")]
data = data if isinstance(data, list) else [data]
print("kcli.info_ips=" + ",".join("%s:%s" % (d.get("name"), d.get("ip", "NA")) for d in data))' || true
fi

# --- delete and check -----------------------------------------------------------------------------
log "kcli delete vm -y ${names[*]}"
/usr/bin/time -f '%e %U %S' -o "$results/delete.time" \
    ip netns exec "$netns" env HOME="$khome" "$venv/bin/kcli" delete vm -y "${names[@]}" >"$results/delete.log" 2>&1 \
    || { cat "$results/delete.log" >&2; log "kcli delete vm failed"; }
deleted=1
read -r d_wall d_user d_sys < <(tail -n 1 "$results/delete.time")
echo "kcli.delete_seconds=$d_wall"
awk -v u="$d_user" -v s="$d_sys" 'BEGIN { printf "kcli.delete_cpu_seconds=%.2f\n", u + s }'
left_domains=$(existing_guests | wc -l)
left_volumes=$(stray_volumes | wc -l)
left_files=$(find "$pool_path" -mindepth 1 -maxdepth 1 ! -name "$image_name" | wc -l)
echo "kcli.leftover_domains=$left_domains"
echo "kcli.leftover_volumes=$left_volumes"
echo "kcli.leftover_files=$left_files"
if [ "$left_domains" -gt 0 ] || [ "$left_volumes" -gt 0 ] || [ "$left_files" -gt 0 ]; then
    log "left after kcli delete: domains [$(existing_guests | tr '\n' ' ')] volumes/files [$(find "$pool_path" -mindepth 1 -maxdepth 1 ! -name "$image_name" -printf '%f ')]"
    deleted=0   # the trap removes them
    exit 1
fi
[ "$incomplete" = 0 ] || { log "not every guest reached '$until' within ${timeout}s"; exit 1; }
log "done"
