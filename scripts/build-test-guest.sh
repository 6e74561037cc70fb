#!/usr/bin/env bash
# Build the tiny test guest for kinvm's integration tests: Debian's cloud kernel plus a
# busybox initramfs with the QEMU guest agent, from Debian packages (downloaded, never
# installed on the host; qemu-ga's shared libraries are copied from the host, or fetched
# from Debian when the host lacks them).
#
# Usage: scripts/build-test-guest.sh [--force]
#
# Output, in ${KINVM_CACHE:-/var/cache/kinvm}/test-guest/:
#   vmlinuz, initramfs.cpio.gz, and ENV with KINVM_TEST_KERNEL=... / KINVM_TEST_INITRD=...
# Nothing is rebuilt when the kernel/busybox/qemu-guest-agent package versions, the host
# libraries copied into the initramfs (listed in HOSTLIBS) and this script are unchanged.
#
# The guest (boot with direct kernel boot, cmdline "console=ttyS0"; the domain needs
# <features><acpi/></features> for shutdown) prints on its console:
#   KINVM-AGENT <started|missing-port|failed>
#                                     qemu-ga on the virtio-serial port org.qemu.guest_agent.0
#                                     (domain needs <channel type='unix'><target type='virtio'
#                                     name='org.qemu.guest_agent.0'/></channel>), before READY
#   KINVM-TEST-GUEST-READY            once modules are loaded, acpid and the agent run
#   KINVM-MEMTOTAL-KB <n>             every 2 s (MemTotal from /proc/meminfo)
#   KINVM-CPUS <n>                    every 2 s (online CPUs; CPUs that appear - at boot or
#                                     hot-plugged - are onlined once; CPUs the agent takes
#                                     offline stay offline)
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
QGA_PKG=qemu-guest-agent
MULTIARCH=x86_64-linux-gnu   # the kernel is amd64; so are qemu-ga and its libraries

for tool in apt-get apt-cache dpkg-deb depmod modprobe cpio gzip sha256sum ldd; do
    command -v "$tool" >/dev/null || die "$tool not found (run scripts/setup-host.sh)"
done

# Names of the packages the given packages depend on (first alternative), comma-separated.
depends_of() {
    apt-cache show --no-all-versions "$@" 2>/dev/null | awk '
        /^(Pre-)?Depends:/ {
            sub(/^[^:]*:[ ]*/, ""); n = split($0, a, /,[ ]*/)
            for (i = 1; i <= n; i++) {
                split(a[i], b, /[ |(:]+/)
                if (b[1] != "" && !(b[1] in seen)) { seen[b[1]] = 1; out = out (out == "" ? "" : ",") b[1] }
            }
        }
        END { print out }'
}

# One apt-cache call (about 1 s): prints
# "KERNEL_PKG KERNEL_VERSION BUSYBOX_VERSION QGA_VERSION".
resolve() {
    apt-cache show --no-all-versions "$META_PKG" busybox-static "$QGA_PKG" 2>/dev/null | awk '
        /^Package:/ { pkg = $2 }
        pkg == "'"$META_PKG"'" && /^Depends:/ {
            if (match($0, /linux-image-[0-9][^ ,]*-cloud-amd64 \(= [^)]*\)/)) {
                split(substr($0, RSTART, RLENGTH), f, /[ ()=]+/); kp = f[1]; kv = f[2]
            }
        }
        pkg == "busybox-static" && /^Version:/ { bv = $2 }
        pkg == "'"$QGA_PKG"'" && /^Version:/ { qv = $2 }
        END { if (kp != "" && kv != "" && bv != "" && qv != "") print kp, kv, bv, qv }'
}

resolved=$(resolve || true)
if [ -z "$resolved" ]; then
    log "apt lists do not know $META_PKG/busybox-static/$QGA_PKG; running apt-get update"
    apt-get update -qq || die "apt-get update failed"
    resolved=$(resolve || true)
fi
[ -n "$resolved" ] || die "cannot resolve the kernel package of $META_PKG, busybox-static and $QGA_PKG from apt"
read -r kpkg kver_pkg bb_ver qga_ver <<<"$resolved"
self_hash=$(sha256sum "$0" | cut -c1-16)
make_stamp() { stamp="kernel=$kpkg=$kver_pkg busybox=$bb_ver qemu-guest-agent=$qga_ver script=$self_hash"; }
make_stamp

# HOSTLIBS: "sha256  path" of every host library copied into the initramfs (sha256sum -c).
if [ "$force" = 0 ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initramfs.cpio.gz" ] && [ -s "$OUT/ENV" ] \
    && [ "$(cat "$OUT/STAMP" 2>/dev/null || true)" = "$stamp" ] \
    && [ -s "$OUT/HOSTLIBS" ] && sha256sum --quiet --status -c "$OUT/HOSTLIBS" 2>/dev/null; then
    log "up to date ($stamp) in $OUT"
    exit 0
fi

log "building test guest: $kpkg $kver_pkg, busybox-static $bb_ver, $QGA_PKG $qga_ver"
mkdir -p "$OUT"
work=$(mktemp -d "${TMPDIR:-/tmp}/kinvm-test-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT

download() {
    (cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root \
        "$kpkg=$kver_pkg" "busybox-static=$bb_ver" "$QGA_PKG=$qga_ver")
}
mkdir -p "$work/debs"
if ! download >"$work/download.log" 2>&1; then
    log "apt-get download failed; refreshing apt lists and retrying"
    apt-get update -qq || die "apt-get update failed"
    resolved=$(resolve || true)
    [ -n "$resolved" ] || die "cannot resolve packages after apt-get update"
    read -r kpkg kver_pkg bb_ver qga_ver <<<"$resolved"
    make_stamp
    download >"$work/download.log" 2>&1 || { cat "$work/download.log" >&2; die "apt-get download failed"; }
fi
dpkg-deb -x "$work"/debs/linux-image-*.deb "$work/kernel" || die "cannot extract the kernel package"
dpkg-deb -x "$work"/debs/busybox-static_*.deb "$work/busybox" || die "cannot extract busybox-static"
dpkg-deb -x "$work"/debs/"$QGA_PKG"_*.deb "$work/qga" || die "cannot extract $QGA_PKG"
[ -x "$work/qga/usr/sbin/qemu-ga" ] || die "no /usr/sbin/qemu-ga in $QGA_PKG"

kver=$(basename "$(ls -d "$work"/kernel/lib/modules/*/)")
[ -f "$work/kernel/boot/vmlinuz-$kver" ] || die "no /boot/vmlinuz-$kver in $kpkg"
depmod -b "$work/kernel" "$kver" || die "depmod failed on the extracted kernel tree"

# --- initramfs tree ---------------------------------------------------------
root=$work/initramfs
mkdir -p "$root"/{bin,dev,proc,sys,run,tmp,etc/acpi/PWRF,lib/modules,lib/$MULTIARCH,usr/share/udhcpc}
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

# --- QEMU guest agent and its shared libraries ------------------------------
# /usr/sbin is a link to /bin here. Libraries go to /lib/$MULTIARCH (in the loader's
# built-in search path; there is no ld.so.cache) as the real file plus a soname link; the
# loader also gets its PT_INTERP path (/lib64/ld-linux-x86-64.so.2) as a link.
install -m 0755 "$work/qga/usr/sbin/qemu-ga" "$root/bin/qemu-ga"
libdir=$root/lib/$MULTIARCH
: >"$work/HOSTLIBS"

# install_lib SRC GUEST_PATH: copy SRC's real file into /lib/$MULTIARCH; GUEST_PATH links to it.
install_lib() {
    local src=$1 name=$2 real base
    real=$(readlink -f "$src") || die "cannot resolve library $src"
    [ -f "$real" ] || die "library $src does not exist"
    base=${real##*/}
    if [ ! -e "$libdir/$base" ]; then
        install -m "$(stat -c %a "$real")" "$real" "$libdir/$base"
        case "$real" in "$work"/*) ;; *) sha256sum "$real" >>"$work/HOSTLIBS" ;; esac
    fi
    if [ "$name" != "/lib/$MULTIARCH/$base" ] && [ ! -L "$root$name" ]; then
        mkdir -p "$root$(dirname "$name")"
        ln -sr "$libdir/$base" "$root$name"
    fi
}

# Libraries the host lacks ("not found" by ldd) come from Debian too: the dependencies of
# qemu-guest-agent, then theirs, one level per call (at most 3), extracted into $work/deps.
dep_frontier=$(depends_of "$QGA_PKG=$qga_ver")
dep_fetched=" "
dep_level=0
fetch_more_deps() {
    local p pkgs=()
    [ "$dep_level" -lt 3 ] || return 1
    dep_level=$((dep_level + 1))
    for p in ${dep_frontier//,/ }; do
        case "$dep_fetched" in *" $p "*) continue ;; esac
        pkgs+=("$p")
        dep_fetched="$dep_fetched$p "
    done
    [ "${#pkgs[@]}" -gt 0 ] || return 1
    log "fetching ${pkgs[*]} for libraries the host lacks"
    mkdir -p "$work/deps-debs" "$work/deps"
    (cd "$work/deps-debs" && apt-get download -q -o APT::Sandbox::User=root "${pkgs[@]}") \
        </dev/null >>"$work/download.log" 2>&1 || { cat "$work/download.log" >&2; die "apt-get download ${pkgs[*]} failed"; }
    for p in "$work"/deps-debs/*.deb; do
        dpkg-deb -x "$p" "$work/deps" || die "cannot extract $p"
    done
    dep_frontier=$(depends_of "${pkgs[@]}")
}
find_dep_lib() {
    [ -d "$work/deps" ] || return 0
    # -quit, not `| head -n 1`: under pipefail, find killed by SIGPIPE would fail the caller.
    find "$work/deps" -name "$1" \( -type f -o -type l \) -path "*/$MULTIARCH/*" -print -quit
}

# Every ELF file put into the initramfs has its libraries resolved with ldd.
elf_queue=("$work/qga/usr/sbin/qemu-ga")
while [ "${#elf_queue[@]}" -gt 0 ]; do
    elf=${elf_queue[0]}
    elf_queue=("${elf_queue[@]:1}")
    ldd_out=$(ldd "$elf") || die "ldd failed on $elf: $ldd_out"
    while read -r soname arrow target _; do
        if [ "$arrow" = "=>" ] && [ "$target" = not ]; then          # "libx.so.1 => not found"
            [ -e "$libdir/$soname" ] && continue
            src=$(find_dep_lib "$soname")
            while [ -z "$src" ] && fetch_more_deps; do src=$(find_dep_lib "$soname"); done
            [ -n "$src" ] || die "$soname (needed by ${elf##*/}) is neither on the host nor in $QGA_PKG's dependencies"
            install_lib "$src" "/lib/$MULTIARCH/$soname"
            elf_queue+=("$src")    # its own libraries were not listed
        elif [ "$arrow" = "=>" ] && [ "${target#/}" != "$target" ]; then   # "libx.so.1 => /path (...)"
            install_lib "$target" "/lib/$MULTIARCH/$soname"
        elif [ "${soname#/}" != "$soname" ]; then                        # the loader, "/lib64/ld-... (...)"
            install_lib "$soname" "$soname"
        fi                                                               # linux-vdso.so.1: no file
    done <<<"$ldd_out"
done
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || die "ldd did not name the dynamic loader of qemu-ga"
# Prove the tree is complete: run qemu-ga inside it (needs root for chroot).
if [ "$(id -u)" -eq 0 ] && command -v chroot >/dev/null; then
    qga_check=$(chroot "$root" /usr/sbin/qemu-ga --version 2>&1) \
        || die "qemu-ga does not run inside the initramfs tree: $qga_check"
fi

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
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
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

# Online each CPU once, when it first appears (boot, hot-plug). A CPU already seen online
# is left alone, so one the guest agent takes offline (guest-set-vcpus) stays offline.
cpus_seen=" "
online_new_cpus() {
    cpus_now=" "
    for c in /sys/devices/system/cpu/cpu[0-9]*; do
        [ -d "$c" ] || continue
        n=${c##*/}
        case "$cpus_seen" in *" $n "*) cpus_now="$cpus_now$n "; continue ;; esac
        [ -f "$c/online" ] && [ "$(cat "$c/online")" = 0 ] && echo 1 >"$c/online" 2>/dev/null
        if [ ! -f "$c/online" ] || [ "$(cat "$c/online")" = 1 ]; then cpus_now="$cpus_now$n "; fi
    done
    cpus_seen=$cpus_now
}
online_new_cpus

# QEMU guest agent. The host announces virtio-serial ports after virtio_console binds, so
# wait for them (at most 3 s, and only while a virtio-serial device exists). busybox has no
# udev: make the /dev/virtio-ports/NAME links from /sys/class/virtio-ports/*/name here.
start_agent() {
    port=/dev/virtio-ports/org.qemu.guest_agent.0
    tries=0
    while :; do
        for p in /sys/class/virtio-ports/vport*; do
            [ -r "$p/name" ] || continue
            n=$(cat "$p/name")
            if [ -n "$n" ] && [ -e "/dev/${p##*/}" ] && [ ! -e "/dev/virtio-ports/$n" ]; then
                mkdir -p /dev/virtio-ports
                ln -sf "../${p##*/}" "/dev/virtio-ports/$n"
            fi
        done
        [ -e "$port" ] && break
        set -- /sys/bus/virtio/drivers/virtio_console/virtio*
        if [ ! -e "$1" ] || [ "$tries" -ge 30 ]; then
            echo KINVM-AGENT missing-port
            return
        fi
        tries=$((tries + 1))
        sleep 0.1
    done
    qemu-ga --method=virtio-serial --path="$port" --statedir=/run \
        --pidfile=/run/qemu-ga.pid --logfile=/run/qemu-ga.log --daemonize
    tries=0   # the daemon writes its pidfile after the parent has returned
    while [ ! -s /run/qemu-ga.pid ] && [ "$tries" -lt 20 ]; do sleep 0.05; tries=$((tries + 1)); done
    if [ -s /run/qemu-ga.pid ] && kill -0 "$(cat /run/qemu-ga.pid)" 2>/dev/null; then
        echo KINVM-AGENT started
    else
        echo KINVM-AGENT failed
        cat /run/qemu-ga.log 2>/dev/null
    fi
}
start_agent

echo KINVM-TEST-GUEST-READY
while :; do
    online_new_cpus
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
install -m 0644 "$work/HOSTLIBS" "$OUT/HOSTLIBS"
echo "$stamp" >"$OUT/STAMP"
log "built $OUT (kernel $kver, modules: $(tr '\n' ' ' <"$root/lib/modules/load-order"), $QGA_PKG $qga_ver with $(find "$libdir" -type f | wc -l) libraries, initramfs $(du -k "$OUT/initramfs.cpio.gz" | cut -f1) KiB)"
