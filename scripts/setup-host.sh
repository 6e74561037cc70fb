#!/usr/bin/env bash
# Prepare this Debian host to build kinvm and run KVM/QEMU guests through libvirt: the one
# place that says which apt packages the project's scripts need.
#
# Usage: scripts/setup-host.sh [EXTRA_PACKAGE...]
#        scripts/setup-host.sh --list     print the package list, one a line (no root needed)
#   Extra packages can also be given as KINVM_EXTRA_PACKAGES="pkg1 pkg2".
#
# - installs the missing apt packages of PACKAGES below: everything scripts/*.sh and
#   Benchmarks/* call and the test suite runs, so that whichever script a newcomer runs first
#   installs all of it (scripts/check-tools.sh fails when a script calls a program that no
#   package here provides). apt is not called at all when nothing is missing. A policy-rc.d
#   forbids package scripts to start services (openssh-server must not start an sshd on
#   port 22; scripts/lab-hosts.sh runs its own on loopback);
# - without systemd (sandbox/container): creates the libvirt-qemu user/group, the
#   directories libvirtd needs, and sets user/group/security_driver in /etc/libvirt/qemu.conf.
set -euo pipefail

SCRIPT_NAME=setup-host.sh
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$(readlink -f "$0")")/common.sh"

# Every package a script or test of the project needs (grouped by who needs it; a package
# appears once, under its first user). Packages every Debian has (Essential or Priority
# required: coreutils, util-linux, findutils, mawk, apt, dpkg, mount, passwd, ...) are left out.
PACKAGES=(
    # libvirt without systemd (/work/shared/ENVIRONMENT.md): iptables must be there before
    # libvirtd starts; virsh (libvirt-clients) for the scripts' pools and checks
    libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils iptables dnsmasq-base
    libvirt-clients
    # building kinvm (CLibvirt, CLibXML2); strip for the static kube-standin
    libvirt-dev libxml2-dev pkg-config binutils
    # python3 for the scripts' JSON helpers and the benchmarks; libvirt-python (guest_probe.py,
    # python_bench.py); procps: pgrep, sysctl
    python3 python3-libvirt procps
    # network namespaces (ip) and the lab hosts' sshd and qemu+ssh (ssh, ssh-keygen, nc -U)
    iproute2 openssh-server openssh-client netcat-openbsd
    # image builders: debootstrap (Debian image), mkfs.ext4/debugfs/e2fsck, depmod/modprobe and
    # cpio (test guest initramfs)
    debootstrap e2fsprogs kmod cpio
    # the test suite: independent ISO 9660 / YAML readers of the CloudInit tests, curl and
    # openssl of the stand-in control plane tests, xmllint (a second RelaxNG verdict on rendered
    # domains in the DomainTemplates tests)
    genisoimage xorriso libarchive-tools p7zip-full python3-yaml curl openssl libxml2-utils
    # benchmarks (scripts/bench.sh, Benchmarks/): virt-install and hyperfine for the comparison,
    # /usr/bin/time, bc; python3-venv, python3-dev and gcc for kcli's venv (Benchmarks/kcli-vms.sh
    # pip-installs kcli and builds libvirt-python)
    virtinst hyperfine time bc python3-venv python3-dev gcc
)

case "${1:-}" in
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --list) printf '%s\n' "${PACKAGES[@]}"; exit 0 ;;
esac

need_root
command -v dpkg-query >/dev/null || die "dpkg-query not found: this script supports Debian/Ubuntu only"

packages=("${PACKAGES[@]}")
# shellcheck disable=SC2206  # word splitting of the env list is intended
packages+=( ${KINVM_EXTRA_PACKAGES:-} "$@" )

# Package maintainer scripts start services through invoke-rc.d (or deb-systemd-invoke),
# which ask /usr/sbin/policy-rc.d first; exit code 101 means "not allowed". Install ours
# for the duration of apt-get (an existing one is set aside and put back on exit).
POLICY=/usr/sbin/policy-rc.d
POLICY_SAVED=$POLICY.kinvm-saved
POLICY_MARK="# kinvm setup-host.sh: no service starts during apt-get"
restore_policy() {
    if [ -e "$POLICY" ] && grep -qxF "$POLICY_MARK" "$POLICY"; then
        rm -f "$POLICY"
    fi
    if [ -e "$POLICY_SAVED" ]; then
        mv -f "$POLICY_SAVED" "$POLICY"
    fi
    return 0
}
forbid_service_starts() {
    restore_policy  # a run killed before its trap left ours (or the saved one) behind
    if [ -e "$POLICY" ]; then
        cp -a "$POLICY" "$POLICY_SAVED"
    fi
    trap restore_policy EXIT
    printf '#!/bin/sh\n%s\nexit 101\n' "$POLICY_MARK" >"$POLICY.tmp"
    chmod 0755 "$POLICY.tmp"
    mv -f "$POLICY.tmp" "$POLICY"
}

missing=()
for p in "${packages[@]}"; do
    pkg_installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    forbid_service_starts
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        || die "apt-get install failed for: ${missing[*]}"
    for p in "${missing[@]}"; do
        pkg_installed "$p" || die "package $p is still not installed after apt-get install"
    done
else
    log "all ${#packages[@]} packages already installed"
fi

if has_systemd; then
    log "systemd is PID 1: leaving libvirt configuration to the distribution"
    exit 0
fi

# Sandbox / container without systemd: what libvirt-daemon-system would normally do.
if ! getent group libvirt-qemu >/dev/null; then
    groupadd --system libvirt-qemu
    log "created group libvirt-qemu"
fi
if ! getent passwd libvirt-qemu >/dev/null; then
    useradd --system --gid libvirt-qemu --home-dir /var/lib/libvirt \
        --no-create-home --shell /usr/sbin/nologin libvirt-qemu
    log "created user libvirt-qemu"
fi
mkdir -p /var/log/libvirt/qemu /var/lib/libvirt /var/cache/libvirt /run/libvirt

if fix_qemu_conf /etc/libvirt/qemu.conf; then
    log "/etc/libvirt/qemu.conf already has user/group root and security_driver none"
else
    log "updated /etc/libvirt/qemu.conf (user/group root, security_driver none);" \
        "restart libvirtd if it is running"
fi
log "host ready"
