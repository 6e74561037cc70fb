#!/usr/bin/env bash
# Build the tiny test guest for kinvm's integration tests: Debian's cloud kernel plus a
# busybox initramfs, from Debian packages (downloaded, never installed on the host).
#
# Usage: scripts/build-test-guest.sh [--force]
#
# Output, in ${KINVM_CACHE:-/var/cache/kinvm}/test-guest/:
#   vmlinuz, initramfs.cpio.gz, and ENV with KINVM_TEST_KERNEL=... / KINVM_TEST_INITRD=...
# Nothing is rebuilt when the kernel/busybox package versions and this script are unchanged.
#
# The guest (boot with direct kernel boot, cmdline "console=ttyS0"; the domain needs
# <features><acpi/></features> for shutdown) prints on its console:
#   KINVM-TEST-GUEST-READY            once modules are loaded and acpid runs
#   KINVM-MEMTOTAL-KB <n>             every 2 s (MemTotal from /proc/meminfo)
#   KINVM-CPUS <n>                    every 2 s (online CPUs; hot-plugged CPUs are onlined)
#   KINVM-BALLOON <yes|no>            every 2 s (virtio_balloon bound to a device)
#   KINVM-IP <iface> <addr/len>       every 2 s, only with "kinvm.dhcp=1" on the cmdline
#   KINVM-POWEROFF                    when the ACPI power button is pressed, then powers off
set -euo pipefail

SCRIPT_NAME=build-test-guest.sh
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$(readlink -f "$0")")/common.sh"

force=0
case "${1:-}" in
    --force) force=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) die "unknown argument '$1' (see --help)" ;;
esac

CACHE=${KINVM_CACHE:-/var/cache/kinvm}
OUT=$(realpath -m "$CACHE/test-guest")
META_PKG=linux-image-cloud-amd64
# Modules to load, in this order; their dependencies are added from modules.dep.
MODULES=(virtio_pci virtio_balloon virtio_console virtio_blk virtio_net button evdev)

for tool in apt-get apt-cache dpkg-deb depmod modprobe cpio gzip sha256sum; do
    command -v "$tool" >/dev/null || die "$tool not found (run scripts/setup-host.sh)"
done

# One apt-cache call (about 1 s): prints "KERNEL_PKG KERNEL_VERSION BUSYBOX_VERSION".
resolve() {
    apt-cache show --no-all-versions "$META_PKG" busybox-static 2>/dev/null | awk '
        /^Package:/ { pkg = $2 }
        pkg == "'"$META_PKG"'" && /^Depends:/ {
            if (match($0, /linux-image-[0-9][^ ,]*-cloud-amd64 \(= [^)]*\)/)) {
                split(substr($0, RSTART, RLENGTH), f, /[ ()=]+/); kp = f[1]; kv = f[2]
            }
        }
        pkg == "busybox-static" && /^Version:/ { bv = $2 }
        END { if (kp != "" && kv != "" && bv != "") print kp, kv, bv }'
}

resolved=$(resolve || true)
if [ -z "$resolved" ]; then
    log "apt lists do not know $META_PKG/busybox-static; running apt-get update"
    apt-get update -qq || die "apt-get update failed"
    resolved=$(resolve || true)
fi
[ -n "$resolved" ] || die "cannot resolve the kernel package of $META_PKG and busybox-static from apt"
read -r kpkg kver_pkg bb_ver <<<"$resolved"
self_hash=$(sha256sum "$0" | cut -c1-16)
stamp="kernel=$kpkg=$kver_pkg busybox=$bb_ver script=$self_hash"

if [ "$force" = 0 ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initramfs.cpio.gz" ] && [ -s "$OUT/ENV" ] \
    && [ "$(cat "$OUT/STAMP" 2>/dev/null || true)" = "$stamp" ]; then
    log "up to date ($stamp) in $OUT"
    exit 0
fi

log "building test guest: $kpkg $kver_pkg, busybox-static $bb_ver"
mkdir -p "$OUT"
work=$(mktemp -d "${TMPDIR:-/tmp}/kinvm-test-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT

download() {
    (cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root "$kpkg=$kver_pkg" "busybox-static=$bb_ver")
}
mkdir -p "$work/debs"
if ! download >"$work/download.log" 2>&1; then
    log "apt-get download failed; refreshing apt lists and retrying"
    apt-get update -qq || die "apt-get update failed"
    resolved=$(resolve || true)
    [ -n "$resolved" ] || die "cannot resolve packages after apt-get update"
    read -r kpkg kver_pkg bb_ver <<<"$resolved"
    stamp="kernel=$kpkg=$kver_pkg busybox=$bb_ver script=$self_hash"
    download >"$work/download.log" 2>&1 || { cat "$work/download.log" >&2; die "apt-get download failed"; }
fi
dpkg-deb -x "$work"/debs/linux-image-*.deb "$work/kernel" || die "cannot extract the kernel package"
dpkg-deb -x "$work"/debs/busybox-static_*.deb "$work/busybox" || die "cannot extract busybox-static"

kver=$(basename "$(ls -d "$work"/kernel/lib/modules/*/)")
[ -f "$work/kernel/boot/vmlinuz-$kver" ] || die "no /boot/vmlinuz-$kver in $kpkg"
depmod -b "$work/kernel" "$kver" || die "depmod failed on the extracted kernel tree"

# --- initramfs tree ---------------------------------------------------------
root=$work/initramfs
mkdir -p "$root"/{bin,dev,proc,sys,run,tmp,etc/acpi/PWRF,lib/modules,usr/share/udhcpc}
ln -s bin "$root/sbin"
ln -s ../bin "$root/usr/bin"
ln -s ../bin "$root/usr/sbin"
install -m 0755 "$work/busybox/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done

# Modules: dependency order from modules.dep (modprobe --show-depends), no duplicates.
: >"$root/lib/modules/load-order"
for m in "${MODULES[@]}"; do
    deps=$(modprobe -d "$work/kernel" -S "$kver" --show-depends "$m") \
        || die "module $m not found in $kpkg"
    while read -r kind path _; do
        [ "$kind" = insmod ] || continue        # "builtin NAME" needs no file
        name=$(basename "$path" .ko)
        grep -qxF "$name" "$root/lib/modules/load-order" && continue
        install -m 0644 "$path" "$root/lib/modules/$name.ko"
        echo "$name" >>"$root/lib/modules/load-order"
    done <<<"$deps"
done

# busybox acpid runs /etc/acpi/PWRF/00000080 on the power button (KEY_POWER).
cat >"$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo KINVM-POWEROFF >/dev/console
sync
poweroff -f
EOF
chmod 0755 "$root/etc/acpi/PWRF/00000080"

cat >"$root/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
# Minimal udhcpc hook: configure the leased address, nothing else.
case "$1" in
    deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
    bound|renew) ip addr flush dev "$interface"
                 ip addr add "$ip/${mask:-24}" dev "$interface" ;;
esac
EOF
chmod 0755 "$root/usr/share/udhcpc/default.script"

cat >"$root/init" <<'EOF'
#!/bin/sh
# kinvm test guest init (see scripts/build-test-guest.sh).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
dmesg -n 1   # keep kernel messages from splitting our lines
while read -r m; do
    insmod "/lib/modules/$m.ko" || echo "KINVM-MODULE-FAILED $m"
done </lib/modules/load-order
acpid -c /etc/acpi -l /tmp/acpid.log
ip link set lo up
if grep -qw 'kinvm.dhcp=1' /proc/cmdline; then
    for dev in /sys/class/net/*; do
        i=${dev##*/}
        [ "$i" = lo ] || udhcpc -b -q -t 20 -i "$i" -s /usr/share/udhcpc/default.script >/dev/null 2>&1
    done
fi
echo KINVM-TEST-GUEST-READY
while :; do
    for c in /sys/devices/system/cpu/cpu[0-9]*; do
        [ -f "$c/online" ] && [ "$(cat "$c/online")" = 0 ] && echo 1 >"$c/online" 2>/dev/null
    done
    mem=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
    cpus=$(grep -c '^processor' /proc/cpuinfo)
    balloon=no
    for d in /sys/bus/virtio/drivers/virtio_balloon/virtio*; do [ -e "$d" ] && balloon=yes; done
    echo "KINVM-MEMTOTAL-KB $mem"
    echo "KINVM-CPUS $cpus"
    echo "KINVM-BALLOON $balloon"
    if grep -qw 'kinvm.dhcp=1' /proc/cmdline; then
        ip -o -4 addr show | awk '$2 != "lo" { print "KINVM-IP " $2 " " $4 }'
    fi
    sleep 2
done
EOF
chmod 0755 "$root/init"

(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) \
    | gzip -9 -n >"$work/initramfs.cpio.gz" || die "cannot write the initramfs"

# --- publish atomically -----------------------------------------------------
install -m 0644 "$work/kernel/boot/vmlinuz-$kver" "$OUT/vmlinuz.new"
install -m 0644 "$work/initramfs.cpio.gz" "$OUT/initramfs.cpio.gz.new"
mv -f "$OUT/vmlinuz.new" "$OUT/vmlinuz"
mv -f "$OUT/initramfs.cpio.gz.new" "$OUT/initramfs.cpio.gz"
cat >"$OUT/ENV" <<EOF
KINVM_TEST_KERNEL=$OUT/vmlinuz
KINVM_TEST_INITRD=$OUT/initramfs.cpio.gz
EOF
echo "$stamp" >"$OUT/STAMP"
log "built $OUT (kernel $kver, modules: $(tr '\n' ' ' <"$root/lib/modules/load-order"), initramfs $(du -k "$OUT/initramfs.cpio.gz" | cut -f1) KiB)"
