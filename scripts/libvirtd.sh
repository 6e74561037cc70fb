#!/usr/bin/env bash
# Start, stop and query libvirtd instances for kinvm.
#
# Usage:
#   scripts/libvirtd.sh start                  system instance (qemu:///system)
#   scripts/libvirtd.sh start --netns NAME [--fresh]
#         private libvirtd+virtlogd inside network namespace NAME and its own mount
#         namespace (state under /var/lib/kinvm-instances/NAME, socket in /run/kinvm/NAME).
#         Prints only its URI on stdout. --fresh first stops it and wipes its saved state
#         (definitions, logs, config) except QEMU's capabilities cache.
#   scripts/libvirtd.sh stop [--netns NAME] [--purge]
#         --netns: stops that instance, kills everything left in the namespace (qemu,
#         dnsmasq), deletes the namespace and /run/kinvm/NAME; --purge also deletes the
#         instance's state. Without --netns: stops the system libvirtd/virtlogd that this
#         script started (never under systemd).
#   scripts/libvirtd.sh status [--netns NAME]  exit 0 when it answers, 1 when not
#   scripts/libvirtd.sh uri [--netns NAME]     print the URI only
#
# Environment: KINVM_LIBVIRTD_TIMEOUT (seconds to wait for an answer, default 30),
#              KINVM_INSTANCES_DIR (default /var/lib/kinvm-instances).
set -euo pipefail

SCRIPT_NAME=libvirtd.sh
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$(readlink -f "$0")")/common.sh"

TIMEOUT=${KINVM_LIBVIRTD_TIMEOUT:-30}
INSTANCES_DIR=${KINVM_INSTANCES_DIR:-/var/lib/kinvm-instances}
RUN_DIR=/run/kinvm
SYSTEM_URI=qemu:///system
SYSTEM_LOG=/var/log/libvirt/libvirtd.log
ROOT_MARKER=$RUN_DIR/system-started-by-libvirtd.sh

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

# --- helpers ----------------------------------------------------------------

answers() {  # URI
    timeout 15 virsh -q -c "$1" version >/dev/null 2>&1
}

# PIDs of processes named $1 in this script's own network namespace (the root one).
root_ns_pids() {
    local name=$1 self pid
    self=$(readlink /proc/self/ns/net)
    for pid in $(pgrep -x "$name" || true); do
        [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null || true)" = "$self" ] && echo "$pid"
    done
    return 0
}

# Send TERM, wait up to $1 seconds, then KILL. Remaining args: pids.
kill_and_wait() {
    local secs=$1 pid i alive
    shift
    [ "$#" -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
        alive=0
        for pid in "$@"; do [ -d "/proc/$pid" ] && alive=1; done
        [ "$alive" -eq 0 ] && return 0
        sleep 0.1
    done
    log "still running after ${secs}s, sending KILL to: $*"
    kill -KILL "$@" 2>/dev/null || true
    sleep 0.2
}

wait_answer() {  # URI LOGFILE WHAT
    local uri=$1 logfile=$2 what=$3 start
    start=$(date +%s)
    while ! answers "$uri"; do
        if [ $(($(date +%s) - start)) -ge "$TIMEOUT" ]; then
            log "$what does not answer at $uri after ${TIMEOUT}s; last lines of $logfile:"
            tail -n 30 "$logfile" >&2 2>/dev/null || log "(no log at $logfile)"
            return 1
        fi
        sleep 0.3
    done
}

check_netns_name() {
    [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$ ]] \
        || die "invalid netns name '$1' (letters, digits, _ . - ; at most 40 characters)"
}

netns_uri() { echo "qemu+unix:///system?socket=$RUN_DIR/$1/libvirt-sock"; }

# --- cgroups ----------------------------------------------------------------

# On cgroup v1 a new cpuset cgroup starts with no CPUs and no memory nodes, and libvirt copies
# its parent's when it makes one. When the `machine` partition does not exist yet and two guests
# start at once (kinvm doctor probes kvm and qemu together), the second can read the partition
# before its CPUs are copied: its `emulator/tasks` write then fails with ENOSPC ("No space left
# on device") and the guest does not start. Seen after the test run's libvirtds went away and
# took the partition with them. Have the partition, filled in, before any libvirtd starts a guest,
# and let new cpusets inherit their parent's (cgroup.clone_children). Idempotent; nothing on
# cgroup v2 or without the cpuset hierarchy.
prepare_cpuset() {
    local root=/sys/fs/cgroup/cpuset
    [ -f "$root/cpuset.cpus" ] || return 0
    echo 1 >"$root/cgroup.clone_children" 2>/dev/null || log "warning: cannot set $root/cgroup.clone_children"
    mkdir -p "$root/machine" 2>/dev/null || { log "warning: cannot create $root/machine"; return 0; }
    local file
    for file in cpuset.cpus cpuset.mems; do
        if [ -z "$(cat "$root/machine/$file" 2>/dev/null)" ]; then
            cat "$root/$file" >"$root/machine/$file" 2>/dev/null || log "warning: cannot fill $root/machine/$file"
        fi
    done
    echo 1 >"$root/machine/cgroup.clone_children" 2>/dev/null || true
}

# --- system instance --------------------------------------------------------

start_system() {
    prepare_cpuset
    if has_systemd; then
        answers "$SYSTEM_URI" && { log "system libvirtd answers at $SYSTEM_URI"; return 0; }
        systemctl start libvirtd || die "systemctl start libvirtd failed"
        wait_answer "$SYSTEM_URI" /dev/null "system libvirtd (systemd)" \
            || die "system libvirtd did not come up (see journalctl -u libvirtd)"
        log "system libvirtd answers at $SYSTEM_URI"
        return 0
    fi
    local ns
    ns=$(ip netns identify $$ 2>/dev/null || true)
    [ -z "$ns" ] || die "running inside network namespace '$ns'; run from the root namespace"
    command -v libvirtd >/dev/null || die "libvirtd not installed (run scripts/setup-host.sh)"
    command -v iptables >/dev/null \
        || die "iptables is not installed; libvirtd must see it at start-up (run scripts/setup-host.sh)"
    getent passwd libvirt-qemu >/dev/null \
        || die "user libvirt-qemu missing, libvirtd would not start (run scripts/setup-host.sh)"
    mkdir -p /var/log/libvirt/qemu /var/lib/libvirt /var/cache/libvirt "$RUN_DIR"

    local started=()
    if [ -z "$(root_ns_pids virtlogd)" ]; then
        virtlogd -d || die "virtlogd -d failed"
        started+=(virtlogd)
    fi
    if [ -z "$(root_ns_pids libvirtd)" ]; then
        LIBVIRT_LOG_OUTPUTS="3:file:$SYSTEM_LOG" libvirtd -d || die "libvirtd -d failed (see $SYSTEM_LOG)"
        started+=(libvirtd)
    fi
    if [ "${#started[@]}" -gt 0 ]; then
        touch "$ROOT_MARKER"
        log "started ${started[*]} in the root namespace"
    fi
    wait_answer "$SYSTEM_URI" "$SYSTEM_LOG" "system libvirtd" || die "system libvirtd did not come up"
    log "system libvirtd answers at $SYSTEM_URI"
}

stop_system() {
    if has_systemd; then
        log "systemd manages libvirtd here; not stopping it"
        return 0
    fi
    local lpids vpids
    lpids=$(root_ns_pids libvirtd)
    vpids=$(root_ns_pids virtlogd)
    if [ -z "$lpids$vpids" ]; then
        log "system libvirtd/virtlogd not running"
        rm -f "$ROOT_MARKER"
        return 0
    fi
    if [ ! -e "$ROOT_MARKER" ]; then
        log "system libvirtd/virtlogd were not started by this script; leaving them running"
        return 0
    fi
    # shellcheck disable=SC2086  # pid lists
    kill_and_wait 15 $lpids
    # shellcheck disable=SC2086
    kill_and_wait 10 $vpids
    rm -f "$ROOT_MARKER"
    log "stopped system libvirtd/virtlogd"
}

status_system() {
    if answers "$SYSTEM_URI"; then
        echo "system libvirtd answers: $SYSTEM_URI"
        return 0
    fi
    echo "system libvirtd does not answer: $SYSTEM_URI"
    return 1
}

# --- namespaced instance ----------------------------------------------------

start_netns() {
    local name=$1 fresh=$2
    check_netns_name "$name"
    prepare_cpuset
    local inst=$INSTANCES_DIR/$name sock=$RUN_DIR/$name uri nsfile=/run/netns/$name
    uri=$(netns_uri "$name")
    command -v libvirtd >/dev/null || die "libvirtd not installed (run scripts/setup-host.sh)"
    command -v iptables >/dev/null \
        || die "iptables is not installed; libvirtd must see it at start-up (run scripts/setup-host.sh)"

    if [ "$fresh" = 0 ] && answers "$uri"; then
        log "instance '$name' already answers"
        echo "$uri"
        return 0
    fi
    if instance_pid "$inst/run/libvirtd.pid" libvirtd >/dev/null \
        || instance_pid "$inst/run/virtlogd.pid" virtlogd >/dev/null; then
        [ "$fresh" = 1 ] || log "instance '$name' has running daemons but does not answer; restarting it"
        stop_netns "$name" 0
    fi
    if [ "$fresh" = 1 ] && [ -d "$inst" ]; then
        # Forget definitions, logs and config; keep QEMU's capabilities cache (saves ~8 s).
        find "$inst" -mindepth 1 -maxdepth 1 ! -name cache -exec rm -rf {} +
        log "wiped the saved state of '$name'"
    fi

    # Network namespace with loopback up.
    if [ ! -e "$nsfile" ]; then
        ip netns add "$name" || die "ip netns add $name failed"
        log "created network namespace $name"
    fi
    ip netns exec "$name" ip link set lo up || die "cannot bring up lo in netns $name"

    # Per-instance state. /etc/libvirt is seeded from the host's config files the first
    # time (not its domain/network/pool definitions).
    mkdir -p "$inst/etc" "$inst/lib" "$inst/cache" "$inst/log/qemu" "$inst/run"
    if [ ! -e "$inst/etc/.kinvm-seeded" ]; then
        if [ -d /etc/libvirt ]; then
            (cd /etc/libvirt && find . -maxdepth 1 -type f -exec cp -a {} "$inst/etc/" \;)
            [ -d /etc/libvirt/nwfilter ] && cp -a /etc/libvirt/nwfilter "$inst/etc/"
        fi
        touch "$inst/etc/.kinvm-seeded"
    fi
    fix_qemu_conf "$inst/etc/qemu.conf" || true
    cat >"$inst/etc/libvirtd.conf" <<EOF
# Written by scripts/libvirtd.sh for the kinvm instance '$name'. Overwritten at each start.
unix_sock_dir = "$sock"
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
    rm -f "$inst/run/libvirtd.pid" "$inst/run/virtlogd.pid"
    rm -rf "$sock"
    mkdir -p "$sock" /etc/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /run/libvirt
    chmod 0755 "$RUN_DIR" "$sock"

    # A mount namespace of its own inside the netns. The daemons (-d) keep it alive.
    # shellcheck disable=SC2016  # expanded by the inner shell
    ip netns exec "$name" unshare --mount --propagation private sh -ec '
        inst=$1
        mount --bind "$inst/etc" /etc/libvirt
        mount --bind "$inst/lib" /var/lib/libvirt
        mount --bind "$inst/cache" /var/cache/libvirt
        mount --bind "$inst/log" /var/log/libvirt
        mount -t tmpfs -o mode=0755 kinvm-libvirt-run /run/libvirt
        virtlogd -d --pid-file "$inst/run/virtlogd.pid"
        libvirtd -d --config /etc/libvirt/libvirtd.conf --pid-file "$inst/run/libvirtd.pid"
    ' sh "$inst" || die "launching the daemons in netns $name failed (see $inst/log/libvirtd.log)"

    if ! wait_answer "$uri" "$inst/log/libvirtd.log" "instance '$name'"; then
        stop_netns "$name" 0
        die "instance '$name' did not come up (stopped it again; state kept in $inst)"
    fi
    log "instance '$name' answers (netns $name, state $inst)"
    echo "$uri"
}

stop_netns() {
    local name=$1 purge=$2
    check_netns_name "$name"
    local inst=$INSTANCES_DIR/$name nsfile=/run/netns/$name pid pids
    if pid=$(instance_pid "$inst/run/libvirtd.pid" libvirtd); then
        kill_and_wait 15 "$pid"
        log "stopped libvirtd of '$name' (pid $pid)"
    fi
    if [ -e "$nsfile" ]; then
        # Everything left in the namespace: qemu, dnsmasq, virtlogd, anything a test started.
        pids=$(ip netns pids "$name" 2>/dev/null || true)
        if [ -n "$pids" ]; then
            log "killing processes left in netns $name: $(echo "$pids" | tr '\n' ' ')"
            # shellcheck disable=SC2086
            kill_and_wait 10 $pids
        fi
        ip netns delete "$name" || die "ip netns delete $name failed"
        log "deleted network namespace $name"
    fi
    # virtlogd of an instance whose netns is already gone.
    if pid=$(instance_pid "$inst/run/virtlogd.pid" virtlogd); then
        kill_and_wait 10 "$pid"
    fi
    rm -f "$inst/run/libvirtd.pid" "$inst/run/virtlogd.pid"
    rm -rf "${RUN_DIR:?}/$name"
    if [ "$purge" = 1 ] && [ -d "$inst" ]; then
        rm -rf "$inst"
        log "deleted state of '$name' ($inst)"
    fi
    return 0
}

status_netns() {
    local name=$1 uri
    check_netns_name "$name"
    uri=$(netns_uri "$name")
    if answers "$uri"; then
        echo "instance '$name' answers: $uri"
        return 0
    fi
    echo "instance '$name' does not answer: $uri"
    return 1
}

# --- main -------------------------------------------------------------------

[ "$#" -ge 1 ] || usage
cmd=$1
shift
netns="" fresh=0 purge=0
while [ "$#" -gt 0 ]; do
    case "$1" in
        --netns) [ "$#" -ge 2 ] || die "--netns needs a NAME"; netns=$2; shift 2 ;;
        --netns=*) netns=${1#--netns=}; shift ;;
        --fresh) fresh=1; shift ;;
        --purge) purge=1; shift ;;
        -h|--help) usage 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
if [ "$fresh" = 1 ] && { [ "$cmd" != start ] || [ -z "$netns" ]; }; then
    die "--fresh only goes with start --netns NAME"
fi
if [ "$purge" = 1 ] && { [ "$cmd" != stop ] || [ -z "$netns" ]; }; then
    die "--purge only goes with stop --netns NAME"
fi

case "$cmd" in
    start)
        need_root
        if [ -n "$netns" ]; then start_netns "$netns" "$fresh"; else start_system; fi ;;
    stop)
        need_root
        if [ -n "$netns" ]; then stop_netns "$netns" "$purge"; else stop_system; fi ;;
    status)
        if [ -n "$netns" ]; then status_netns "$netns"; else status_system; fi ;;
    uri)
        if [ -n "$netns" ]; then check_netns_name "$netns"; netns_uri "$netns"; else echo "$SYSTEM_URI"; fi ;;
    -h|--help|help) usage 0 ;;
    *) log "unknown command '$cmd'"; usage ;;
esac
