#!/usr/bin/env bash
# Build the Debian 12 (bookworm) guest image that kinvm's VM-lifecycle tests and users boot:
# debootstrap (minbase) from the Debian mirror the host's apt uses, the packages below,
# security and point-release updates, then an ext4 filesystem on the whole disk (no
# partition table, no bootloader) as a compressed qcow2.
#
# Usage: scripts/build-debian-image.sh [--force]
#
# Output, in ${KINVM_CACHE:-/var/cache/kinvm}/debian-12/:
#   debian-12.qcow2   root filesystem (ext4 on /dev/vda, 4 GiB virtual); use it only as the
#                     backing file of an overlay, never boot it directly
#   vmlinuz, initrd.img  the image's kernel and initrd, for direct kernel boot
#   SHA256SUMS        of the three files above (relative names: sha256sum -c SHA256SUMS)
#   PACKAGES          every package and version in the image
#   ENV               KINVM_DEBIAN_IMAGE=, KINVM_DEBIAN_KERNEL=, KINVM_DEBIAN_INITRD=,
#                     KINVM_DEBIAN_CMDLINE='root=/dev/vda rw console=ttyS0' (shell syntax)
# Nothing is rebuilt while this script, the mirror and the candidate versions (host apt
# lists) of the kernel, systemd, cloud-init, qemu-guest-agent and openssh-server are
# unchanged and the files match SHA256SUMS. A rebuild replaces the whole directory (built
# beside it, then renamed); overlays made on the previous image must not be reused.
#
# Environment: KINVM_CACHE, KINVM_DEBIAN_MIRROR and KINVM_DEBIAN_SECURITY_MIRROR (default:
# the ones the host's apt uses for bookworm / bookworm-security, else deb.debian.org).
#
# The guest needs: a NoCloud seed (volume label CIDATA) on a virtio disk (the cloud kernel
# has no SATA/AHCI), the QEMU guest agent channel org.qemu.guest_agent.0 (qemu-ga is
# started by udev when the port appears), virtio NIC and disk. cloud-init renders
# network-config (v1/v2) to /etc/network/interfaces.d (ifupdown + dhclient), grows the root
# filesystem to the disk (resize2fs /dev/vda), generates SSH host keys and the machine-id is
# made on first boot. Hot-plugged vCPUs and memory are onlined by a udev rule.
set -euo pipefail

SCRIPT_NAME=build-debian-image.sh
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$(readlink -f "$0")")/common.sh"

SUITE=bookworm
IMAGE_NAME=debian-12
IMAGE_SIZE=4G
CMDLINE='root=/dev/vda rw console=ttyS0'
KERNEL_META=linux-image-cloud-amd64
# Packages whose candidate versions go into the stamp (with the kernel behind KERNEL_META).
STAMP_PKGS=(systemd cloud-init qemu-guest-agent openssh-server)

# Installed with --no-install-recommends on top of debootstrap's minbase.
PACKAGES=(
    # boot and init: kernel + initramfs for direct kernel boot, systemd, udev, logind
    "$KERNEL_META" initramfs-tools systemd-sysv udev dbus libpam-systemd kmod
    # cloud-init (python3-cffi-backend: its dependencies do not resolve without it under
    # debootstrap; kept explicit), resize2fs for resize_rootfs, growpart for partitioned
    # disks, locales (cloud-init's locale module runs update-locale), gpg for apt keys
    cloud-init python3-cffi-backend e2fsprogs cloud-guest-utils locales sudo gpg
    # networking: cloud-init's ENI renderer + ifupdown/dhclient (as Debian's bookworm cloud
    # images); systemd-networkd without systemd-resolved would leave resolv.conf empty
    ifupdown isc-dhcp-client iproute2 netbase
    # access from the host and from users
    qemu-guest-agent openssh-server ca-certificates curl
    # Kubernetes node prerequisites (kubeadm preflight, k3s check-config):
    #   conntrack (conntrack), iptables (iptables, nft backend), socat (port-forward),
    #   ebtables, ethtool, iproute2 (ip, tc), util-linux (mount, nsenter; in minbase),
    #   kmod (modprobe), procps (sysctl), apparmor (containerd/runc load their profiles
    #   when the kernel has AppArmor on, as Debian's does)
    conntrack iptables socat ebtables ethtool procps apparmor
)
# Deliberately absent: systemd-timesyncd/chrony (no time server traffic by default; use
# cloud-init's ntp module), swap, grub (direct kernel boot), systemd-resolved.

usage() { sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; }

# --- stage 2, run by stage 1 in a private mount namespace -------------------------
# Every mount made here (by debootstrap too) disappears when this process ends, so an
# interrupted build never leaves /proc, /sys or /dev mounted inside the work directory.
if [ "${1:-}" = --internal-rootfs ]; then
    rootfs=$2
    if [ -z "${KINVM_MIRROR:-}" ] || [ -z "${KINVM_SECURITY_MIRROR:-}" ]; then
        die "internal: mirrors not set"
    fi
    t=$(now)
    log "debootstrap --variant=minbase $SUITE from $KINVM_MIRROR"
    keyring=()
    [ -r /usr/share/keyrings/debian-archive-keyring.gpg ] \
        && keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
    debootstrap --variant=minbase --arch=amd64 --components=main "${keyring[@]}" \
        "$SUITE" "$rootfs" "$KINVM_MIRROR" >"$rootfs.debootstrap.log" 2>&1 \
        || { tail -n 30 "$rootfs.debootstrap.log" >&2; die "debootstrap failed (log above)"; }
    log "debootstrap done in $(elapsed_since "$t") s"

    # Classic sources.list: cloud-init's apt module (preserve_sources_list: true in
    # Debian's cloud.cfg) keeps it; a deb822 file next to it would duplicate entries.
    cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $KINVM_MIRROR $SUITE main
deb $KINVM_MIRROR $SUITE-updates main
deb $KINVM_SECURITY_MIRROR $SUITE-security main
EOF
    printf '#!/bin/sh\n# kinvm image build: start no services in the chroot\nexit 101\n' \
        >"$rootfs/usr/sbin/policy-rc.d"
    chmod 0755 "$rootfs/usr/sbin/policy-rc.d"

    for fs in proc sys dev dev/pts run; do
        mountpoint -q "$rootfs/$fs" && continue
        case $fs in
            proc) mount -t proc proc "$rootfs/proc" ;;
            sys) mount -t sysfs sysfs "$rootfs/sys" ;;
            dev|dev/pts) mount --bind "/$fs" "$rootfs/$fs" ;;
            run) mount -t tmpfs -o mode=0755 tmpfs "$rootfs/run" ;;
        esac
    done
    in_root() {
        chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
            LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
    }
    apt_opts=(-q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    t=$(now)
    log "apt-get install ${#PACKAGES[@]} packages (with $SUITE-updates and $SUITE-security)"
    {
        in_root apt-get -q update &&
        in_root apt-get "${apt_opts[@]}" dist-upgrade &&
        in_root apt-get "${apt_opts[@]}" install --no-install-recommends "${PACKAGES[@]}"
    } >"$rootfs.apt.log" 2>&1 || { tail -n 30 "$rootfs.apt.log" >&2; die "apt-get in the image failed (log above)"; }
    log "apt-get done in $(elapsed_since "$t") s"

    # --- configuration -------------------------------------------------------------
    cat >"$rootfs/etc/cloud/cloud.cfg.d/90_kinvm.cfg" <<'EOF'
# kinvm image: configuration comes from a NoCloud seed (CIDATA disk); nothing else is probed.
datasource_list: [ NoCloud, None ]
# C.UTF-8 needs no locale-gen (slow under emulation); user-data may choose another locale.
locale: C.UTF-8
# Map the guest's host name to 127.0.1.1 (sudo and kubelet resolve it).
manage_etc_hosts: localhost
# The root filesystem is the whole disk /dev/vda: resize2fs it to the disk's size.
resize_rootfs: true
# First-boot time under emulation (TCG), measured: no bootloader, so grub-dpkg's
# debconf-set-selections (~17 s) is useless; no DSA host key (sshd does not offer it);
# no RSA host key either (3072-bit generation took ~15 s of the 17 s of cloud-init's ssh
# module; every current client accepts ECDSA and Ed25519 host keys); host keys are not
# printed on the console (~12 s; read /etc/ssh/*.pub via the agent).
grub_dpkg:
  enabled: false
ssh_genkeytypes: [ecdsa, ed25519]
ssh:
  emit_keys_to_console: false
EOF
    printf 'LANG=C.UTF-8\n' >"$rootfs/etc/default/locale"

    cat >"$rootfs/etc/network/interfaces" <<'EOF'
# kinvm image: cloud-init writes the guest's interfaces to /etc/network/interfaces.d/50-cloud-init.
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback
EOF
    mkdir -p "$rootfs/etc/network/interfaces.d"

    cat >"$rootfs/etc/fstab" <<'EOF'
# kinvm image: ext4 on the whole disk, no partition table, no swap.
/dev/vda / ext4 defaults 0 1
EOF
    cat >"$rootfs/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF

    cat >"$rootfs/etc/udev/rules.d/80-kinvm-hotplug.rules" <<'EOF'
# kinvm image: online vCPUs and memory blocks hot-plugged by the host.
SUBSYSTEM=="cpu", ACTION=="add", TEST=="online", ATTR{online}=="0", ATTR{online}="1"
SUBSYSTEM=="memory", ACTION=="add", TEST=="state", ATTR{state}=="offline", ATTR{state}="online"
EOF

    cat >"$rootfs/etc/modules-load.d/kubernetes.conf" <<'EOF'
# kinvm image: Kubernetes node prerequisites.
overlay
br_netfilter
EOF
    cat >"$rootfs/etc/sysctl.d/kubernetes.conf" <<'EOF'
# kinvm image: Kubernetes node prerequisites (br_netfilter is loaded by modules-load.d).
net.ipv4.ip_forward = 1
net.bridge.bridge-nf-call-iptables = 1
EOF

    # Serial console login (the kernel's console=ttyS0 would also make systemd start it).
    ln -sf /lib/systemd/system/serial-getty@.service \
        "$rootfs/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service"
    # qemu-guest-agent: Debian's udev rule (60-qemu-guest-agent.rules) starts it when the
    # org.qemu.guest_agent.0 port appears; its unit BindsTo that device and has no
    # [Install] section. A multi-user.target.wants link would instead make every boot
    # without the channel wait for the device to time out, so none is added.
    [ -e "$rootfs/lib/udev/rules.d/60-qemu-guest-agent.rules" ] \
        || die "qemu-guest-agent's udev rule is missing; the agent would not start"
    # Start it early: with default dependencies it waits for sysinit.target, which waits
    # for cloud-init's network stage (SSH key generation and all), so the host could not
    # watch the first boot through the agent.
    mkdir -p "$rootfs/etc/systemd/system/qemu-guest-agent.service.d"
    cat >"$rootfs/etc/systemd/system/qemu-guest-agent.service.d/kinvm-early.conf" <<'EOF'
# kinvm image: answer the host as soon as the virtio port exists, before cloud-init.
[Unit]
DefaultDependencies=no
After=local-fs.target systemd-tmpfiles-setup.service
Before=shutdown.target
Conflicts=shutdown.target
EOF
    # e2scrub needs LVM snapshots (none here); its boot-time reaper only costs time.
    in_root systemctl disable e2scrub_reap.service e2scrub_all.timer >/dev/null 2>&1 \
        || die "cannot disable e2scrub_reap.service/e2scrub_all.timer"
    # apparmor.service loads Debian's shipped profiles (dhclient, lsb_release,
    # nvidia_modprobe) at boot: 42 s of a 150 s first boot under TCG, measured with
    # systemd-analyze blame, all of it competing with cloud-init-local. Nothing here needs
    # those profiles. The apparmor package stays (apparmor_parser): containerd and runc load
    # their own profiles at run time, which needs no boot-time service.
    in_root systemctl disable apparmor.service >/dev/null 2>&1 \
        || die "cannot disable apparmor.service"

    # SSH host keys: cloud-init generates them per instance (cloud-init.service runs
    # before ssh.service), ECDSA and Ed25519 only (ssh_genkeytypes above); sshd is told to
    # use exactly those two, and makes whichever is missing when cloud-init did not run.
    # (ssh-keygen -A would also make the slow RSA key.)
    rm -f "$rootfs"/etc/ssh/ssh_host_*
    mkdir -p "$rootfs/etc/ssh/sshd_config.d" "$rootfs/etc/systemd/system/ssh.service.d"
    cat >"$rootfs/etc/ssh/sshd_config.d/10-kinvm-host-keys.conf" <<'EOF'
# kinvm image: the host keys cloud-init generates (no RSA key: slow to make under emulation).
HostKey /etc/ssh/ssh_host_ecdsa_key
HostKey /etc/ssh/ssh_host_ed25519_key
EOF
    cat >"$rootfs/etc/systemd/system/ssh.service.d/kinvm-host-keys.conf" <<'EOF'
[Service]
ExecStartPre=
ExecStartPre=/bin/sh -c 'for t in ecdsa ed25519; do f=/etc/ssh/ssh_host_$${t}_key; [ -e "$$f" ] || ssh-keygen -q -t "$$t" -N "" -f "$$f" || exit 1; done'
ExecStartPre=/usr/sbin/sshd -t
EOF

    # Per-guest identity: empty machine-id (generated on first boot), no host name,
    # no resolver (dhclient writes it), no cloud-init state.
    : >"$rootfs/etc/machine-id"
    ln -sf /etc/machine-id "$rootfs/var/lib/dbus/machine-id"
    : >"$rootfs/etc/hostname"
    rm -f "$rootfs/etc/resolv.conf"
    : >"$rootfs/etc/resolv.conf"
    rm -rf "$rootfs/var/lib/cloud"

    in_root apt-get -q clean >/dev/null
    rm -f "$rootfs/usr/sbin/policy-rc.d"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old \
        "$rootfs"/tmp/* "$rootfs"/var/tmp/* "$rootfs/root/.bash_history"
    mkdir -p "$rootfs/var/lib/apt/lists/partial"
    find "$rootfs/var/log" -type f \( -name '*.log' -o -name '*.gz' -o -name '*.[0-9]' \) -delete
    # shellcheck disable=SC2016  # dpkg-query's own ${field} syntax
    in_root dpkg-query -W -f '${Package} ${Version}\n' >"$rootfs.packages"
    exit 0
fi

# --- stage 1 ------------------------------------------------------------------------
force=0
case "${1:-}" in
    --force) force=1 ;;
    -h|--help) usage; exit 0 ;;
    "") ;;
    *) die "unknown argument '$1' (see --help)" ;;
esac

need_root
for tool in debootstrap apt-get apt-cache chroot unshare mountpoint mkfs.ext4 qemu-img sha256sum flock; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install debootstrap qemu-utils e2fsprogs)"
done

CACHE=${KINVM_CACHE:-/var/cache/kinvm}
OUT=$(realpath -m "$CACHE/$IMAGE_NAME")
case "$OUT" in *"'"*) die "the cache path must not contain a single quote: $OUT" ;; esac

# The host's apt sources: "RELEASE URI" lines (URI without its trailing slash).
# shellcheck disable=SC2016  # apt's own $(FIELD) syntax
host_sources=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 'Identifier: Packages' 2>/dev/null \
    | awk '{ sub(/\/$/, "", $2); print $1, $2 }' || true)
host_mirror() { awk -v s="$1" '$1 == s { print $2; exit }' <<<"$host_sources"; }
MIRROR=${KINVM_DEBIAN_MIRROR:-$(host_mirror "$SUITE")}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${KINVM_DEBIAN_SECURITY_MIRROR:-$(host_mirror "$SUITE-security")}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# "KERNEL_PKG=VERSION PKG=VERSION ..." from the host's apt lists (candidate versions).
resolve() {
    apt-cache show --no-all-versions "$KERNEL_META" "${STAMP_PKGS[@]}" 2>/dev/null | awk -v meta="$KERNEL_META" '
        /^Package:/ { pkg = $2 }
        /^Version:/ && pkg != meta { ver[pkg] = $2 }
        pkg == meta && /^Depends:/ {
            if (match($0, /linux-image-[0-9][^ ,]*-cloud-amd64 \(= [^)]*\)/)) {
                split(substr($0, RSTART, RLENGTH), f, /[ ()=]+/); kernel = f[1] "=" f[2]
            }
        }
        END {
            if (kernel == "") exit 1
            out = kernel
            n = split("'"${STAMP_PKGS[*]}"'", want, " ")
            for (i = 1; i <= n; i++) { if (!(want[i] in ver)) exit 1; out = out " " want[i] "=" ver[want[i]] }
            print out
        }'
}
versions=$(resolve || true)
if [ -z "$versions" ]; then
    log "apt lists do not know $KERNEL_META ${STAMP_PKGS[*]}; running apt-get update"
    apt-get update -qq || die "apt-get update failed"
    versions=$(resolve || true)
fi
[ -n "$versions" ] || die "cannot resolve $KERNEL_META ${STAMP_PKGS[*]} from the host's apt lists"
self_hash=$(sha256sum "$0" | cut -c1-16)
stamp="mirror=$MIRROR security=$SECURITY_MIRROR $versions script=$self_hash"

up_to_date() {
    [ -s "$OUT/$IMAGE_NAME.qcow2" ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ] \
        && [ -s "$OUT/ENV" ] && [ -s "$OUT/SHA256SUMS" ] \
        && [ "$(cat "$OUT/STAMP" 2>/dev/null || true)" = "$stamp" ] \
        && (cd "$OUT" && sha256sum --quiet --status -c SHA256SUMS)
}

mkdir -p "$CACHE"
# One build at a time; a second caller waits, then finds the image up to date.
exec 9>"$CACHE/.$IMAGE_NAME.lock"
flock -n 9 || { log "another build holds $CACHE/.$IMAGE_NAME.lock; waiting"; flock 9; }

if [ "$force" = 0 ] && up_to_date; then
    log "up to date ($stamp) in $OUT"
    exit 0
fi
if [ "$force" = 0 ] && [ -e "$OUT/STAMP" ]; then
    log "rebuilding: stamp was '$(cat "$OUT/STAMP")' or files do not match SHA256SUMS"
fi

log "building $IMAGE_NAME: $versions"
total_start=$(now)
# Beside OUT (same filesystem) so that publishing is a rename.
work=$(mktemp -d "$CACHE/.$IMAGE_NAME.build.XXXXXX")
cleanup() { rm -rf --one-file-system "$work"; }
trap cleanup EXIT
# Stage 2 runs in its own process group: a signal to this script stops debootstrap/apt
# at once (and only them), before the work directory is removed.
stage2_pid=
on_signal() {
    if [ -n "$stage2_pid" ]; then
        kill -TERM -- "-$stage2_pid" 2>/dev/null || true
        wait "$stage2_pid" 2>/dev/null || true
    fi
    exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

rootfs=$work/rootfs
set -m
KINVM_MIRROR=$MIRROR KINVM_SECURITY_MIRROR=$SECURITY_MIRROR \
    unshare --mount --propagation private -- "$BASH" "$0" --internal-rootfs "$rootfs" </dev/null &
stage2_pid=$!
set +m
wait "$stage2_pid" || die "building the root filesystem failed"
stage2_pid=

# Anything still mounted under the work dir would mean stage 2 escaped its namespace.
# (The mount table is read whole first: `findmnt | grep -q` under pipefail fails when grep
# stops reading before findmnt is done.)
mounts=$(findmnt -rn -o TARGET) || die "findmnt failed"
if grep -qF "$work/" <<<"$mounts"; then
    die "mounts left under $work (not removing it)"
fi

new=$work/out
mkdir -p "$new"
kvers=("$rootfs"/usr/lib/modules/*)
if [ "${#kvers[@]}" -ne 1 ] || [ ! -d "${kvers[0]}" ]; then
    die "expected exactly one kernel in the image, found: ${kvers[*]##*/}"
fi
kver=${kvers[0]##*/}
if [ ! -f "$rootfs/boot/vmlinuz-$kver" ] || [ ! -f "$rootfs/boot/initrd.img-$kver" ]; then
    die "no /boot/vmlinuz-$kver or /boot/initrd.img-$kver in the image"
fi
install -m 0644 "$rootfs/boot/vmlinuz-$kver" "$new/vmlinuz"
install -m 0644 "$rootfs/boot/initrd.img-$kver" "$new/initrd.img"
install -m 0644 "$rootfs.packages" "$new/PACKAGES"

# Warn when the image got other versions than the host's apt lists announced.
for pv in $versions; do
    p=${pv%%=*}
    got=$(awk -v p="$p" '$1 == p { print $2 }' "$new/PACKAGES")
    [ "$got" = "${pv#*=}" ] || log "warning: image has $p ${got:-(none)}, host apt lists say ${pv#*=} (run apt-get update)"
done

t=$(now)
mkfs.ext4 -q -F -L kinvm-root -d "$rootfs" "$work/root.raw" "$IMAGE_SIZE" >/dev/null \
    || die "mkfs.ext4 -d failed"
rm -rf --one-file-system "$rootfs"
qemu-img convert -c -O qcow2 "$work/root.raw" "$new/$IMAGE_NAME.qcow2" \
    || die "qemu-img convert failed"
rm -f "$work/root.raw"
log "filesystem and qcow2 done in $(elapsed_since "$t") s"

(cd "$new" && sha256sum "$IMAGE_NAME.qcow2" vmlinuz initrd.img >SHA256SUMS)
q() { printf "'%s'" "$1"; }
{
    echo "KINVM_DEBIAN_IMAGE=$(q "$OUT/$IMAGE_NAME.qcow2")"
    echo "KINVM_DEBIAN_KERNEL=$(q "$OUT/vmlinuz")"
    echo "KINVM_DEBIAN_INITRD=$(q "$OUT/initrd.img")"
    echo "KINVM_DEBIAN_CMDLINE=$(q "$CMDLINE")"
} >"$new/ENV"
echo "$stamp" >"$new/STAMP"
chmod 0755 "$new"

# --- publish: swap the whole directory ---------------------------------------------
# Between the two renames OUT is missing (never half old, half new).
old=$work/previous
if [ -e "$OUT" ]; then
    mv -T "$OUT" "$old"
fi
mv -T "$new" "$OUT"
log "built $OUT in $(elapsed_since "$total_start") s: kernel $kver, $(wc -l <"$OUT/PACKAGES") packages," \
    "qcow2 $(du -m "$OUT/$IMAGE_NAME.qcow2" | cut -f1) MiB ($IMAGE_SIZE virtual), initrd $(du -m "$OUT/initrd.img" | cut -f1) MiB"
