#!/usr/bin/env bash
# Prepare this Debian host to build kinvm and run KVM/QEMU guests through libvirt.
#
# Usage: scripts/setup-host.sh [EXTRA_PACKAGE...]
#   Extra packages can also be given as KINVM_EXTRA_PACKAGES="pkg1 pkg2".
#
# - installs the missing apt packages (apt is not called at all when nothing is missing);
# - without systemd (sandbox/container): creates the libvirt-qemu user/group, the
#   directories libvirtd needs, and sets user/group/security_driver in /etc/libvirt/qemu.conf.
set -euo pipefail

SCRIPT_NAME=setup-host.sh
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$(readlink -f "$0")")/common.sh"

case "${1:-}" in
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

need_root
command -v dpkg-query >/dev/null || die "dpkg-query not found: this script supports Debian/Ubuntu only"

packages=(
    libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils
    iptables dnsmasq-base libvirt-dev libxml2-dev pkg-config libvirt-clients
    python3-libvirt iproute2 cpio kmod
)
# shellcheck disable=SC2206  # word splitting of the env list is intended
packages+=( ${KINVM_EXTRA_PACKAGES:-} "$@" )

missing=()
for p in "${packages[@]}"; do
    pkg_installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
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
