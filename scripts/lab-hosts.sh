#!/usr/bin/env bash
# Several libvirt "hosts" on this one machine, for multi-host tests.
#
# Usage:
#   scripts/lab-hosts.sh up [--hosts N] [--prefix P]
#         (Re)creates the lab from scratch: network namespace ${P}lab with bridge kvlab0
#         (10.251.0.1/24; no route, no NAT, nothing leaves it) where test clients run;
#         hosts ${P}1..${P}N, each a fresh scripts/libvirtd.sh instance in its own netns
#         with a bridge br-kinvm joined to kvlab0 by a veth pair (guests whose NIC is on
#         br-kinvm share one L2 segment with each other and with 10.251.0.1); and an sshd
#         on 127.0.0.1:2222 inside ${P}lab (key authentication only) through which the
#         last host is reached with qemu+ssh. Defaults: N=3, P=kinvm-h.
#         Prints "NAME URI" per host on stdout; the qemu+ssh URI works only inside the
#         lab netns (ip netns exec ${P}lab ...), the unix socket URIs work everywhere.
#   scripts/lab-hosts.sh uris [--hosts N] [--prefix P]   print those lines again
#   scripts/lab-hosts.sh ssh-path [--prefix P]
#         prints the directory to put first in PATH for the qemu+ssh URI: its `ssh` uses
#         the lab's key, known_hosts and BatchMode (kinvm refuses command= in URIs).
#   scripts/lab-hosts.sh down NAME [--kill]
#         stops only host NAME's libvirtd (a libvirtd outage: virtlogd, QEMU and the guests
#         keep running); --kill sends SIGKILL at once instead of SIGTERM.
#   scripts/lab-hosts.sh resume NAME
#         starts NAME's libvirtd again in the same network and mount namespace; it picks
#         up the running guests.
#   scripts/lab-hosts.sh status [--hosts N] [--prefix P]  exit 0 when every host answers
#   scripts/lab-hosts.sh teardown [--hosts N] [--prefix P] [--purge]
#         stops sshd and every host ${P}<number> (killing its guests), kills whatever
#         else runs in ${P}lab, deletes veths, bridge and the lab netns. Safe to repeat,
#         and after a failed up. --purge also deletes the hosts' saved state and the
#         lab's ssh keys.
#   Without --hosts, uris/status/teardown use the N of the last up (else 3).
#
# State: /var/lib/kinvm-instances/${P}lab/ssh (sshd config, host key, client key,
#        known_hosts, ssh wrapper); nothing in /etc/ssh or ~/.ssh is read or written.
# Environment: KINVM_LAB_SSH_PORT (default 2222), KINVM_LIBVIRTD_TIMEOUT (seconds to
#              wait for an answer, default 30), KINVM_INSTANCES_DIR.
set -euo pipefail

SCRIPT_NAME=lab-hosts.sh
SCRIPT_DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$SCRIPT_DIR/common.sh"

LIBVIRTD_SH=$SCRIPT_DIR/libvirtd.sh
TIMEOUT=${KINVM_LIBVIRTD_TIMEOUT:-30}
INSTANCES_DIR=${KINVM_INSTANCES_DIR:-/var/lib/kinvm-instances}
RUN_DIR=/run/kinvm
SSH_PORT=${KINVM_LAB_SSH_PORT:-2222}
LAB_BRIDGE=kvlab0
LAB_ADDR=10.251.0.1/24
HOST_BRIDGE=br-kinvm
HOST_VETH=vlab0          # host-side end of each veth pair (in the host's netns)

usage() { sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

# --- names ------------------------------------------------------------------

set_names() {  # PREFIX
    PREFIX=$1
    [[ "$PREFIX" =~ ^[A-Za-z][A-Za-z0-9_.-]{0,11}$ ]] \
        || die "invalid prefix '$PREFIX' (a letter, then letters, digits, _ . - ; at most 12 characters)"
    LAB=${PREFIX}lab
    LAB_DIR=$INSTANCES_DIR/$LAB
    SSH_DIR=$LAB_DIR/ssh
}

host_name() { echo "$PREFIX$1"; }

check_hosts() {  # N
    [[ "$1" =~ ^[1-9][0-9]*$ ]] || die "--hosts needs a positive number, not '$1'"
    # The lab-side veth end is named like the host: at most 15 characters.
    [ "${#PREFIX}" -le $((15 - ${#1})) ] \
        || die "prefix '$PREFIX' with $1 hosts gives names longer than 15 characters"
}

# N from --hosts, else what the last `up` recorded, else 3.
resolve_hosts() {
    if [ -n "$HOSTS" ]; then
        :
    elif [ -r "$LAB_DIR/hosts" ]; then
        HOSTS=$(tr -dc '0-9' <"$LAB_DIR/hosts")
    fi
    HOSTS=${HOSTS:-3}
    check_hosts "$HOSTS"
}

unix_uri() { echo "qemu+unix:///system?socket=$RUN_DIR/$1/libvirt-sock"; }

# The qemu+ssh URI of host $1 (usable inside the lab netns only, with $SSH_DIR/bin first in
# PATH: its `ssh` runs ssh with our own config — known_hosts, key, BatchMode — the way a
# user's ~/.ssh/config would; kinvm refuses URIs with command=). proxy=netcat makes the
# remote side `nc -U SOCKET` instead of virt-ssh-helper (which ignores socket=).
# The same sshd also serves libvirt's built-in clients, which verify against a file:
#   qemu+libssh://root@127.0.0.1:PORT/system?socket=...&proxy=netcat&sshauth=privkey
#     &keyfile=SSH_DIR/id_ed25519&known_hosts=SSH_DIR/known_hosts&known_hosts_verify=normal
ssh_uri() {
    echo "qemu+ssh://root@127.0.0.1:$SSH_PORT/system?socket=$RUN_DIR/$1/libvirt-sock&proxy=netcat&no_tty=1&keyfile=$SSH_DIR/id_ed25519"
}

print_uris() {
    local i name
    for ((i = 1; i <= HOSTS; i++)); do
        name=$(host_name "$i")
        if [ "$i" -eq "$HOSTS" ]; then
            echo "$name $(ssh_uri "$name")"
        else
            echo "$name $(unix_uri "$name")"
        fi
    done
}

# Host names that exist in any form (netns, socket dir, saved state), plus 1..N.
lab_host_names() {
    local i d name
    {
        for ((i = 1; i <= HOSTS; i++)); do host_name "$i"; done
        for d in /run/netns/"$PREFIX"* "$RUN_DIR/$PREFIX"* "$INSTANCES_DIR/$PREFIX"*; do
            name=${d##*/}
            [[ "$name" =~ ^"$PREFIX"[0-9]+$ ]] && echo "$name"
        done
    } | sort -u -V
    return 0
}

# --- helpers ----------------------------------------------------------------

answers() {  # URI [netns]
    if [ -n "${2:-}" ]; then
        timeout 15 ip netns exec "$2" env PATH="$SSH_DIR/bin:$PATH" virsh -q -c "$1" version >/dev/null 2>&1
    else
        timeout 15 virsh -q -c "$1" version >/dev/null 2>&1
    fi
}

wait_answer() {  # URI NETNS|"" WHAT
    local start
    start=$(date +%s)
    while ! answers "$1" "$2"; do
        [ $(($(date +%s) - start)) -lt "$TIMEOUT" ] || { log "$3 does not answer after ${TIMEOUT}s"; return 1; }
        sleep 0.3
    done
}

ns_exists() { [ -e "/run/netns/$1" ]; }

# True while the process exists and is not a zombie (a daemon's zombie lingers until
# PID 1 reaps it).
running() {
    local state
    state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)
    [ -n "$state" ] && [ "$state" != Z ]
}

# Send signal $1, wait up to $2 seconds, then KILL. Remaining args: pids.
kill_and_wait() {
    local sig=$1 secs=$2 pid i alive
    shift 2
    [ "$#" -gt 0 ] || return 0
    kill "-$sig" "$@" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
        alive=0
        for pid in "$@"; do running "$pid" && alive=1; done
        [ "$alive" -eq 0 ] && return 0
        sleep 0.1
    done
    log "still running after ${secs}s, sending KILL to: $*"
    kill -KILL "$@" 2>/dev/null || true
    sleep 0.2
}

# Best effort: bridged frames must not go through this namespace's iptables (libvirt's
# rules there would reject them). The sysctls exist only with br_netfilter loaded.
no_bridge_netfilter() {  # NETNS
    local key
    for key in bridge-nf-call-iptables bridge-nf-call-ip6tables bridge-nf-call-arptables; do
        ip netns exec "$1" sh -c "[ ! -e /proc/sys/net/bridge/$key ] || echo 0 >/proc/sys/net/bridge/$key" \
            2>/dev/null || log "could not set net.bridge.$key=0 in netns $1 (ignored)"
    done
}

need_cmds() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null || die "$c not found (run scripts/setup-host.sh)"
    done
}

# --- lab network ------------------------------------------------------------

lab_up() {
    ip netns add "$LAB" || die "ip netns add $LAB failed"
    ip -n "$LAB" link set lo up
    ip netns exec "$LAB" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 >/dev/null
    ip -n "$LAB" link add "$LAB_BRIDGE" type bridge stp_state 0
    ip -n "$LAB" addr add "$LAB_ADDR" dev "$LAB_BRIDGE"
    ip -n "$LAB" link set "$LAB_BRIDGE" up
    no_bridge_netfilter "$LAB"
    log "lab netns $LAB: bridge $LAB_BRIDGE $LAB_ADDR (no routes beyond it)"
}

host_net_up() {  # NAME
    local name=$1
    ip -n "$name" link add "$HOST_BRIDGE" type bridge stp_state 0
    ip -n "$name" link set "$HOST_BRIDGE" up
    no_bridge_netfilter "$name"
    # Created inside the lab netns, the peer moved straight into the host's: nothing
    # ever appears in the root namespace.
    ip -n "$LAB" link add "$name" type veth peer name "$HOST_VETH" netns "$name"
    ip -n "$LAB" link set "$name" master "$LAB_BRIDGE"
    ip -n "$LAB" link set "$name" up
    ip -n "$name" link set "$HOST_VETH" master "$HOST_BRIDGE"
    ip -n "$name" link set "$HOST_VETH" up
}

# --- sshd in the lab netns ----------------------------------------------------

ssh_files() {
    mkdir -p "$SSH_DIR"
    chmod 0700 "$SSH_DIR"
    [ -s "$SSH_DIR/ssh_host_ed25519_key" ] \
        || ssh-keygen -q -t ed25519 -N '' -C "kinvm-lab-host-key" -f "$SSH_DIR/ssh_host_ed25519_key"
    [ -s "$SSH_DIR/id_ed25519" ] \
        || ssh-keygen -q -t ed25519 -N '' -C "kinvm-lab-client" -f "$SSH_DIR/id_ed25519"
    # restrict: no pty, no forwarding; the key can only run commands (libvirt's nc -U).
    printf 'restrict %s\n' "$(cut -d' ' -f1,2 "$SSH_DIR/id_ed25519.pub")" >"$SSH_DIR/authorized_keys"
    printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$SSH_DIR/ssh_host_ed25519_key.pub")" \
        >"$SSH_DIR/known_hosts"
    chmod 0600 "$SSH_DIR/authorized_keys" "$SSH_DIR/known_hosts"

    cat >"$SSH_DIR/sshd_config" <<EOF
# Written by scripts/lab-hosts.sh for the lab netns '$LAB'. Overwritten at each up.
ListenAddress 127.0.0.1:$SSH_PORT
AddressFamily inet
HostKey $SSH_DIR/ssh_host_ed25519_key
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
AllowUsers root
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
PermitEmptyPasswords no
UsePAM no
StrictModes yes
AllowTcpForwarding no
AllowAgentForwarding no
AllowStreamLocalForwarding no
X11Forwarding no
PermitTunnel no
PermitUserEnvironment no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 64:30:128
MaxSessions 64
LogLevel INFO
EOF
    cat >"$SSH_DIR/ssh_config" <<EOF
# Written by scripts/lab-hosts.sh: the client side of the lab's sshd (used by ./ssh).
Host *
    User root
    Port $SSH_PORT
    IdentityFile $SSH_DIR/id_ed25519
    IdentitiesOnly yes
    IdentityAgent none
    UserKnownHostsFile $SSH_DIR/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    UpdateHostKeys no
    CheckHostIP no
    BatchMode yes
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    ConnectTimeout 10
    LogLevel ERROR
EOF
    # libvirt runs `ssh` from PATH with its own arguments; -F also keeps ssh away from
    # ~/.ssh. /usr/bin/ssh by full path: this file is itself `ssh` in PATH.
    mkdir -p "$SSH_DIR/bin"
    rm -f "$SSH_DIR/ssh"
    cat >"$SSH_DIR/bin/ssh" <<EOF
#!/bin/sh
# Written by scripts/lab-hosts.sh: ssh with the lab's config (first in PATH for qemu+ssh).
exec /usr/bin/ssh -F '$SSH_DIR/ssh_config' "\$@"
EOF
    chmod 0755 "$SSH_DIR/bin/ssh"
}

sshd_up() {
    need_cmds ssh ssh-keygen nc
    [ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd not found (run scripts/setup-host.sh)"
    if [ "$(getent shadow root | cut -d: -f2 | cut -c1)" = "!" ]; then
        log "warning: root's password is locked ('!'); sshd with UsePAM no refuses such accounts"
    fi
    ssh_files
    mkdir -p /run/sshd
    chmod 0755 /run/sshd
    /usr/sbin/sshd -t -f "$SSH_DIR/sshd_config" || die "sshd rejects $SSH_DIR/sshd_config"
    rm -f "$SSH_DIR/sshd.pid"
    # sshd binds its socket before it forks into the background.
    ip netns exec "$LAB" /usr/sbin/sshd -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/sshd.log" </dev/null >/dev/null 2>&1 \
        || die "sshd failed to start (see $SSH_DIR/sshd.log)"
    ip netns exec "$LAB" "$SSH_DIR/bin/ssh" 127.0.0.1 true \
        || die "ssh root@127.0.0.1:$SSH_PORT in netns $LAB fails (see $SSH_DIR/sshd.log)"
    log "sshd listens on 127.0.0.1:$SSH_PORT in netns $LAB (state $SSH_DIR)"
}

sshd_down() {
    local pid
    if pid=$(instance_pid "$SSH_DIR/sshd.pid" sshd); then
        kill_and_wait TERM 5 "$pid"
        log "stopped sshd (pid $pid)"
    fi
    rm -f "$SSH_DIR/sshd.pid"
}

# --- commands -----------------------------------------------------------------

cmd_teardown() {
    local purge=$1 name pids pid failed=0 stop_args=()
    local -a jobs=()
    sshd_down
    [ "$purge" = 0 ] || stop_args=(--purge)
    for name in $(lab_host_names); do
        if ns_exists "$LAB" && ip -n "$LAB" link show "$name" >/dev/null 2>&1; then
            ip -n "$LAB" link del "$name" || log "could not delete veth $name in $LAB"
        fi
        # In parallel: a libvirtd takes a few seconds to shut down.
        "$LIBVIRTD_SH" stop --netns "$name" "${stop_args[@]}" &
        jobs+=("$!")
    done
    for pid in "${jobs[@]}"; do
        wait "$pid" || failed=1
    done
    [ "$failed" = 0 ] || die "stopping some host instances failed (see above)"
    if ns_exists "$LAB"; then
        ip -n "$LAB" link del "$LAB_BRIDGE" 2>/dev/null || true
        # Whatever still runs in the lab: test clients, a stray sshd.
        pids=$(ip netns pids "$LAB" 2>/dev/null || true)
        if [ -n "$pids" ]; then
            log "killing processes left in netns $LAB: $(echo "$pids" | tr '\n' ' ')"
            # shellcheck disable=SC2086  # pid list
            kill_and_wait TERM 10 $pids
        fi
        ip netns delete "$LAB" || die "ip netns delete $LAB failed"
        log "deleted lab netns $LAB"
    fi
    rm -f "$LAB_DIR/hosts"
    if [ "$purge" = 1 ] && [ -d "$LAB_DIR" ]; then
        rm -rf "$LAB_DIR"
        log "deleted $LAB_DIR"
    fi
    return 0
}

UP_DONE=0
up_failed() {
    [ "$UP_DONE" = 1 ] || log "up did not finish; clean up with: $0 teardown --prefix $PREFIX --hosts $HOSTS"
}

cmd_up() {
    local i name start t0
    need_cmds ip virsh nsenter ssh ssh-keygen nc
    start=$(now)
    trap up_failed EXIT
    t0=$(now)
    cmd_teardown 0
    log "teardown of any previous lab: $(elapsed_since "$t0") s"
    mkdir -p "$LAB_DIR"
    echo "$HOSTS" >"$LAB_DIR/hosts"
    lab_up
    for ((i = 1; i <= HOSTS; i++)); do
        name=$(host_name "$i")
        t0=$(now)
        "$LIBVIRTD_SH" start --netns "$name" --fresh >/dev/null \
            || die "libvirtd instance $name did not start"
        host_net_up "$name"
        log "host $name: libvirtd + $HOST_BRIDGE joined to $LAB_BRIDGE ($(elapsed_since "$t0") s)"
    done
    t0=$(now)
    sshd_up
    name=$(host_name "$HOSTS")
    wait_answer "$(ssh_uri "$name")" "$LAB" "host $name through qemu+ssh" \
        || die "host $name does not answer through qemu+ssh (see $SSH_DIR/sshd.log)"
    log "host $name answers through qemu+ssh ($(elapsed_since "$t0") s)"
    UP_DONE=1
    log "lab up in $(elapsed_since "$start") s; run clients with: ip netns exec $LAB COMMAND"
    print_uris
}

check_host_arg() {  # NAME
    [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$ ]] || die "invalid host name '$1'"
    [ -d "$INSTANCES_DIR/$1" ] || die "no instance '$1' (no $INSTANCES_DIR/$1)"
}

cmd_down() {
    local name=$1 kill_now=$2 inst=$INSTANCES_DIR/$1 pid uri t0
    check_host_arg "$name"
    uri=$(unix_uri "$name")
    t0=$(now)
    if pid=$(instance_pid "$inst/run/libvirtd.pid" libvirtd); then
        if [ "$kill_now" = 1 ]; then
            kill_and_wait KILL 5 "$pid"
        else
            kill_and_wait TERM 15 "$pid"
        fi
        log "stopped libvirtd of '$name' (pid $pid); guests, QEMU and virtlogd keep running"
    else
        log "libvirtd of '$name' is not running"
    fi
    if answers "$uri"; then
        die "'$name' still answers at $uri"
    fi
    log "'$name' no longer answers ($(elapsed_since "$t0") s)"
}

cmd_resume() {
    local name=$1 inst=$INSTANCES_DIR/$1 vpid uri t0
    check_host_arg "$name"
    uri=$(unix_uri "$name")
    t0=$(now)
    if instance_pid "$inst/run/libvirtd.pid" libvirtd >/dev/null && answers "$uri"; then
        log "'$name' already answers"
        return 0
    fi
    vpid=$(instance_pid "$inst/run/virtlogd.pid" virtlogd) \
        || die "virtlogd of '$name' is not running: its namespaces are gone; run up again"
    ns_exists "$name" || die "network namespace $name is gone; run up again"
    [ "$(readlink "/proc/$vpid/ns/net")" = "$(ip netns exec "$name" readlink /proc/self/ns/net)" ] \
        || die "virtlogd (pid $vpid) is not in network namespace $name"
    rm -f "$inst/run/libvirtd.pid"
    # The instance's mount namespace (its /etc/libvirt, /var/lib/libvirt, /run/libvirt with
    # the running guests' status) is held by virtlogd; libvirtd.sh's config file is there.
    # The daemon must not keep this script's stdout/stderr open: a caller reading them to the
    # end (a test, $(...)) would wait for as long as libvirtd runs.
    (cd / && nsenter --target "$vpid" --mount --net -- \
        libvirtd -d --config /etc/libvirt/libvirtd.conf --pid-file "$inst/run/libvirtd.pid" </dev/null >/dev/null 2>&1) \
        || die "libvirtd -d failed in the namespaces of '$name' (see $inst/log/libvirtd.log)"
    wait_answer "$uri" "" "'$name'" || die "'$name' did not come back (see $inst/log/libvirtd.log)"
    log "'$name' answers again ($(elapsed_since "$t0") s)"
}

cmd_status() {
    local name i rc=0 pid
    for ((i = 1; i <= HOSTS; i++)); do
        name=$(host_name "$i")
        if answers "$(unix_uri "$name")"; then
            echo "$name answers: $(unix_uri "$name")"
        else
            echo "$name does not answer: $(unix_uri "$name")"
            rc=1
        fi
    done
    if pid=$(instance_pid "$SSH_DIR/sshd.pid" sshd); then
        name=$(host_name "$HOSTS")
        if answers "$(ssh_uri "$name")" "$LAB"; then
            echo "sshd (pid $pid) in $LAB: $name answers through qemu+ssh"
        else
            echo "sshd (pid $pid) in $LAB: $name does not answer through qemu+ssh"
            rc=1
        fi
    else
        echo "sshd of $LAB not running"
        rc=1
    fi
    return "$rc"
}

# --- main -------------------------------------------------------------------

[ "$#" -ge 1 ] || usage
cmd=$1
shift
HOSTS="" prefix=kinvm-h purge=0 kill_now=0 target=""
while [ "$#" -gt 0 ]; do
    case "$1" in
        --hosts) [ "$#" -ge 2 ] || die "--hosts needs a number"; HOSTS=$2; shift 2 ;;
        --hosts=*) HOSTS=${1#--hosts=}; shift ;;
        --prefix) [ "$#" -ge 2 ] || die "--prefix needs a value"; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --purge) purge=1; shift ;;
        --kill) kill_now=1; shift ;;
        -h|--help) usage 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) [ -z "$target" ] || die "unexpected argument '$1'"; target=$1; shift ;;
    esac
done
set_names "$prefix"
if ! [[ "$SSH_PORT" =~ ^[1-9][0-9]{0,4}$ ]] || [ "$SSH_PORT" -gt 65535 ]; then
    die "KINVM_LAB_SSH_PORT must be a TCP port number, not '$SSH_PORT'"
fi
case "$cmd" in
    down|resume) [ -n "$target" ] || die "$cmd needs a host NAME" ;;
    *) [ -z "$target" ] || die "unexpected argument '$target'" ;;
esac
[ "$purge" = 0 ] || [ "$cmd" = teardown ] || die "--purge only goes with teardown"
[ "$kill_now" = 0 ] || [ "$cmd" = down ] || die "--kill only goes with down"

case "$cmd" in
    up) need_root; HOSTS=${HOSTS:-3}; check_hosts "$HOSTS"; cmd_up ;;
    uris) resolve_hosts; print_uris ;;
    ssh-path) echo "$SSH_DIR/bin" ;;
    down) need_root; cmd_down "$target" "$kill_now" ;;
    resume) need_root; cmd_resume "$target" ;;
    status) resolve_hosts; cmd_status ;;
    teardown) need_root; resolve_hosts; cmd_teardown "$purge" ;;
    -h|--help|help) usage 0 ;;
    *) log "unknown command '$cmd'"; usage ;;
esac
