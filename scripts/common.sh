# shellcheck shell=bash
# Helpers shared by the scripts in this directory. Source it; do not run it.
#   SCRIPT_NAME must be set by the caller (used as the message prefix).

: "${SCRIPT_NAME:=kinvm}"

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2; exit 1; }

# True when PID 1 is systemd (same test as sd_booted(3)).
has_systemd() { [ -d /run/systemd/system ]; }

need_root() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (uid is $(id -u))"
}

# True when the package is installed (not merely known / config-files).
pkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

# Ensure KEY = VALUE (VALUE given already quoted as it must appear) in a
# libvirt-style config file. Keeps every other line; replaces an active
# (uncommented) KEY line, else appends. Creates the file if missing.
conf_set() {
    local file=$1 key=$2 value=$3
    local line="$key = $value"
    if [ ! -e "$file" ]; then
        mkdir -p "$(dirname "$file")"
        printf '# Written by kinvm scripts.\n' >"$file"
    fi
    if grep -qxF "$line" "$file"; then
        return 0
    fi
    if grep -qE "^[[:space:]]*${key}[[:space:]]*=" "$file"; then
        sed -i -E "s|^[[:space:]]*${key}[[:space:]]*=.*|${line//&/\\&}|" "$file"
    else
        printf '%s\n' "$line" >>"$file"
    fi
    return 1  # changed
}

# The qemu.conf settings a root sandbox without systemd needs.
# Returns 0 when nothing had to change.
fix_qemu_conf() {
    local file=$1 unchanged=0
    conf_set "$file" user '"root"' || unchanged=1
    conf_set "$file" group '"root"' || unchanged=1
    conf_set "$file" security_driver '"none"' || unchanged=1
    return "$unchanged"
}

# Seconds since the epoch with fractions, for timings.
now() { date +%s.%N; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Phase timings. `phase NAME` ends the running phase (if any) and starts NAME; phase_done ends
# it; phase_summary logs every phase's time and the total since the first phase. Each finished
# phase is also appended to $KINVM_TIMINGS_FILE when set ("SCRIPT<TAB>PHASE<TAB>SECONDS"), so
# that .ci/run can print one table for several scripts.
PHASE_T0=""
phase_t=""
phase_name=""
phase_lines=()
phase_done() {
    [ -n "$phase_t" ] || return 0
    local secs
    secs=$(elapsed_since "$phase_t")
    log "$phase_name: ${secs}s"
    phase_lines+=("$(printf '%8ss  %s' "$secs" "$phase_name")")
    if [ -n "${KINVM_TIMINGS_FILE:-}" ]; then
        printf '%s\t%s\t%s\n' "$SCRIPT_NAME" "$phase_name" "$secs" >>"$KINVM_TIMINGS_FILE" || true
    fi
    phase_t=""
}
phase() {
    phase_done
    [ -n "$PHASE_T0" ] || PHASE_T0=$(now)
    phase_name=$*
    phase_t=$(now)
    printf '\n==> %s: %s  [t+%ss]\n' "$SCRIPT_NAME" "$phase_name" "$(elapsed_since "$PHASE_T0")" >&2
}
phase_summary() {  # [EXIT_CODE]
    phase_done
    [ -n "$PHASE_T0" ] || return 0
    local line
    log "timings:"
    for line in "${phase_lines[@]}"; do log "  $line"; done
    log "done in $(elapsed_since "$PHASE_T0")s${1:+, exit code $1}"
}

# Build kinvm in release with the repository's .build (as scripts/run.sh always has; a build
# that is up to date is a no-op) and print the binary's path on stdout. scripts/run.sh and
# scripts/test.sh both use it, so that CI builds it once and both run the same binary.
build_kinvm_release() {
    local repo bin
    repo=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/..")
    log "building kinvm (release)"
    (cd "$repo" && swift build -c release --product kinvm >&2) \
        || die "swift build -c release --product kinvm failed"
    bin=$(cd "$repo" && swift build -c release --show-bin-path)/kinvm
    [ -x "$bin" ] || die "build succeeded but $bin is missing"
    echo "$bin"
}

# The virt type the demos use: $KINVM_VIRT_TYPE, else the first of kvm, qemu that
# `KINVM_BINARY doctor` saw boot a guest; dies when none does.
demo_virt_type() {
    local kinvm=$1 virt=${KINVM_VIRT_TYPE:-}
    if [ -z "$virt" ]; then
        virt=$("$kinvm" doctor -o json | /usr/bin/python3 -c '
import json, sys
booting = [t["type"] for t in json.load(sys.stdin)["virtTypes"] if t.get("boots")]
print(booting[0] if booting else "")') || true
        [ -n "$virt" ] || die "no virt type boots a guest here (see kinvm doctor)"
    fi
    echo "$virt"
}

# PID from a pid file of a kinvm instance (scripts/libvirtd.sh, scripts/lab-hosts.sh), if that
# process is alive, is named $2 and does not live in this script's (root) network namespace.
instance_pid() {
    local file=$1 name=$2 pid
    [ -r "$file" ] || return 1
    pid=$(tr -dc '0-9' <"$file")
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$name" ] || return 1
    [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null || true)" != "$(readlink /proc/self/ns/net)" ] || return 1
    echo "$pid"
}
