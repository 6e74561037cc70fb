#!/usr/bin/env bash
# Build kinvm's test Kubernetes node image: the Debian 12 image of build-debian-image.sh with
# the stand-in kubeadm/kubelet of Tests/Support/standin-node baked in (no Kubernetes
# binaries exist on these machines). Written with debugfs into a raw copy of the image: no
# mount, no loop device, no root filesystem unpacked.
#
# Usage: scripts/build-node-image.sh [--force] [--standin-server PATH]
#
# Output, in ${KINVM_CACHE:-/var/cache/kinvm}/debian-12-standin/:
#   node.qcow2        root filesystem (ext4 on /dev/vda, uncompressed qcow2); use it only as
#                     the backing file of an overlay, never boot it directly
#   vmlinuz, initrd.img  the Debian image's kernel and initrd (hard links when possible)
#   SHA256SUMS        of the three files above (relative names: sha256sum -c SHA256SUMS)
#   STAMP             what the image was built from (see below)
#   ENV               KINVM_NODE_IMAGE=, KINVM_NODE_KERNEL=, KINVM_NODE_INITRD=,
#                     KINVM_NODE_CMDLINE= (the Debian image's; shell syntax)
# In the image:
#   /usr/lib/kinvm-standin/standin-node.py      0755 root:root
#   /usr/bin/kubeadm, /usr/bin/kubelet         symlinks to it
#   /lib/systemd/system/kubelet.service        0644, enabled (multi-user.target.wants)
#   /usr/local/bin/kube-standin                0755, the stand-in API server, statically linked
#                                              (`k3s server` / `kubeadm init` run it)
# The stand-in k3s is the same file: give it to kinvm as the k3s binary.
#
# kube-standin comes from --standin-server PATH (or KINVM_STANDIN_SERVER_BIN), else from
# scripts/build-standin-server.sh (cached by the hash of its sources; links only after a
# debug test build). The Debian image is built first (scripts/build-debian-image.sh; cached).
# Nothing is rebuilt while the Debian image's SHA256SUMS, standin-node.py, kubelet.service,
# kube-standin and this script are unchanged and the files match SHA256SUMS. A rebuild
# replaces the whole directory (built beside it, then renamed).
#
# Environment: KINVM_CACHE (also passed to build-debian-image.sh and build-standin-server.sh),
# KINVM_STANDIN_SERVER_BIN.
set -euo pipefail

SCRIPT_NAME=build-node-image.sh
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "$(readlink -f "$0")")/common.sh"

IMAGE_NAME=debian-12-standin
BASE_NAME=debian-12
SCRIPT_DIR=$(dirname "$(readlink -f "$0")")
SRC_DIR=$(readlink -f "$SCRIPT_DIR/../Tests/Support/standin-node")
INPUTS=("$SRC_DIR/standin-node.py" "$SRC_DIR/kubelet.service")
STANDIN=/usr/lib/kinvm-standin/standin-node.py
UNIT=/lib/systemd/system/kubelet.service
WANTS=/etc/systemd/system/multi-user.target.wants/kubelet.service
SERVER=/usr/local/bin/kube-standin

usage() { sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; }

force=0
server_bin=${KINVM_STANDIN_SERVER_BIN:-}
while [ $# -gt 0 ]; do
    case "$1" in
        --force) force=1 ;;
        --standin-server) [ $# -ge 2 ] || die "--standin-server needs a path"; server_bin=$2; shift ;;
        --standin-server=*) server_bin=${1#*=} ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done
if [ -z "$server_bin" ]; then
    server_bin=$("$SCRIPT_DIR/build-standin-server.sh") || die "building kube-standin failed"
fi
[ -x "$server_bin" ] || die "kube-standin $server_bin is missing or not executable"
# ldd's whole output first (a `| grep -q` under pipefail can fail when grep stops reading early).
server_libs=$(ldd "$server_bin" 2>&1) || true
if grep -Eq 'libswift|libFoundation|lib_Foundation|libdispatch|not found' <<<"$server_libs"; then
    die "$server_bin is not statically linked against the Swift runtime (build it with scripts/build-standin-server.sh)"
fi
INPUTS+=("$server_bin")

for tool in qemu-img debugfs e2fsck sha256sum flock cmp; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install qemu-utils e2fsprogs)"
done
for f in "${INPUTS[@]}"; do
    [ -s "$f" ] || die "missing input $f"
done

CACHE=${KINVM_CACHE:-/var/cache/kinvm}
OUT=$(realpath -m "$CACHE/$IMAGE_NAME")
BASE=$(realpath -m "$CACHE/$BASE_NAME")
case "$OUT" in *"'"*) die "the cache path must not contain a single quote: $OUT" ;; esac

# The Debian image first (a no-op when it is up to date).
"$SCRIPT_DIR/build-debian-image.sh" || die "building the Debian image failed"
if [ ! -s "$BASE/ENV" ] || [ ! -s "$BASE/SHA256SUMS" ]; then
    die "no ENV or SHA256SUMS in $BASE"
fi
# shellcheck source=/dev/null  # written by build-debian-image.sh, shell syntax
. "$BASE/ENV"
for v in KINVM_DEBIAN_IMAGE KINVM_DEBIAN_KERNEL KINVM_DEBIAN_INITRD KINVM_DEBIAN_CMDLINE; do
    [ -n "${!v:-}" ] || die "$BASE/ENV does not set $v"
done

hash_of() { sha256sum "$1" | cut -d' ' -f1; }
stamp="base=$(hash_of "$BASE/SHA256SUMS") standin-node.py=$(hash_of "${INPUTS[0]}")"
stamp+=" kubelet.service=$(hash_of "${INPUTS[1]}") kube-standin=$(hash_of "${INPUTS[2]}") script=$(hash_of "$0")"

up_to_date() {
    [ -s "$OUT/node.qcow2" ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ] \
        && [ -s "$OUT/ENV" ] && [ -s "$OUT/SHA256SUMS" ] \
        && [ "$(cat "$OUT/STAMP" 2>/dev/null || true)" = "$stamp" ] \
        && (cd "$OUT" && sha256sum --quiet --status -c SHA256SUMS)
}

mkdir -p "$CACHE"
# One build at a time; a second caller waits, then finds the image up to date.
exec 9>"$CACHE/.$IMAGE_NAME.lock"
flock -n 9 || { log "another build holds $CACHE/.$IMAGE_NAME.lock; waiting"; flock 9; }

if [ "$force" = 0 ] && up_to_date; then
    log "up to date in $OUT"
    exit 0
fi
if [ "$force" = 0 ] && [ -e "$OUT/STAMP" ]; then
    log "rebuilding: stamp was '$(cat "$OUT/STAMP")' or files do not match SHA256SUMS"
fi

log "building $IMAGE_NAME from $KINVM_DEBIAN_IMAGE"
total_start=$(now)
# Beside OUT (same filesystem) so that publishing is a rename.
work=$(mktemp -d "$CACHE/.$IMAGE_NAME.build.XXXXXX")
cleanup() { rm -rf --one-file-system "$work"; }
trap cleanup EXIT

raw=$work/root.raw
qemu-img convert -O raw "$KINVM_DEBIAN_IMAGE" "$raw" || die "qemu-img convert to raw failed"

# debugfs keeps going after a failed command and exits 0, so every result is checked below.
# `write` only takes a name in the current directory, hence the cd.
cat >"$work/debugfs.cmds" <<EOF
mkdir ${STANDIN%/*}
cd ${STANDIN%/*}
write ${INPUTS[0]} ${STANDIN##*/}
sif $STANDIN mode 0100755
sif $STANDIN uid 0
sif $STANDIN gid 0
sif ${STANDIN%/*} mode 040755
sif ${STANDIN%/*} uid 0
sif ${STANDIN%/*} gid 0
symlink /usr/bin/kubeadm $STANDIN
symlink /usr/bin/kubelet $STANDIN
cd ${UNIT%/*}
write ${INPUTS[1]} ${UNIT##*/}
sif $UNIT mode 0100644
sif $UNIT uid 0
sif $UNIT gid 0
symlink $WANTS $UNIT
mkdir ${SERVER%/*}
cd ${SERVER%/*}
write ${INPUTS[2]} ${SERVER##*/}
sif $SERVER mode 0100755
sif $SERVER uid 0
sif $SERVER gid 0
EOF
debugfs -w -f "$work/debugfs.cmds" "$raw" >"$work/debugfs.log" 2>&1 \
    || { cat "$work/debugfs.log" >&2; die "debugfs failed"; }

# "TYPE MODE UID GID" of a path in the image, from debugfs stat.
inode_of() {
    debugfs -R "stat $1" "$raw" 2>/dev/null | awk '
        /^Inode:/ { type = $4; mode = $6 }
        /^User:/ { print type, mode, $2, $4; exit }'
}
expect_inode() {
    local got
    got=$(inode_of "$1")
    [ "$got" = "$2" ] || { cat "$work/debugfs.log" >&2; die "$1 in the image is '${got:-missing}', expected '$2'"; }
}
expect_inode "${STANDIN%/*}" "directory 0755 0 0"
expect_inode "$STANDIN" "regular 0755 0 0"
expect_inode /usr/bin/kubeadm "symlink 0777 0 0"
expect_inode /usr/bin/kubelet "symlink 0777 0 0"
expect_inode "/usr$UNIT" "regular 0644 0 0"
expect_inode "$WANTS" "symlink 0777 0 0"
expect_inode "$SERVER" "regular 0755 0 0"
# expect_link PATH TARGET
expect_link() {
    local target
    target=$(debugfs -R "stat $1" "$raw" 2>/dev/null | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p')
    [ "$target" = "$2" ] || die "$1 in the image points to '$target', expected '$2'"
}
expect_link /usr/bin/kubeadm "$STANDIN"
expect_link /usr/bin/kubelet "$STANDIN"
expect_link "$WANTS" "$UNIT"
# expect_content PATH LOCAL_FILE
expect_content() {
    rm -f "$work/check"
    debugfs -R "dump $1 $work/check" "$raw" >/dev/null 2>&1 || true
    cmp -s "$work/check" "$2" || die "$1 in the image differs from $2"
}
expect_content "$STANDIN" "${INPUTS[0]}"
expect_content "$UNIT" "${INPUTS[1]}"
expect_content "$SERVER" "${INPUTS[2]}"
e2fsck -fn "$raw" >"$work/e2fsck.log" 2>&1 || { cat "$work/e2fsck.log" >&2; die "e2fsck found errors in the written image"; }

new=$work/out
mkdir -p "$new"
qemu-img convert -O qcow2 "$raw" "$new/node.qcow2" || die "qemu-img convert to qcow2 failed"
rm -f "$raw"
for f in vmlinuz:"$KINVM_DEBIAN_KERNEL" initrd.img:"$KINVM_DEBIAN_INITRD"; do
    ln "${f#*:}" "$new/${f%%:*}" 2>/dev/null || install -m 0644 "${f#*:}" "$new/${f%%:*}"
done

(cd "$new" && sha256sum node.qcow2 vmlinuz initrd.img >SHA256SUMS)
q() { printf "'%s'" "$1"; }
{
    echo "KINVM_NODE_IMAGE=$(q "$OUT/node.qcow2")"
    echo "KINVM_NODE_KERNEL=$(q "$OUT/vmlinuz")"
    echo "KINVM_NODE_INITRD=$(q "$OUT/initrd.img")"
    echo "KINVM_NODE_CMDLINE=$(q "$KINVM_DEBIAN_CMDLINE")"
} >"$new/ENV"
echo "$stamp" >"$new/STAMP"
chmod 0755 "$new"

# --- publish: swap the whole directory ---------------------------------------------
# Between the two renames OUT is missing (never half old, half new).
if [ -e "$OUT" ]; then
    mv -T "$OUT" "$work/previous"
fi
mv -T "$new" "$OUT"
log "built $OUT in $(elapsed_since "$total_start") s: qcow2 $(du -m "$OUT/node.qcow2" | cut -f1) MiB"
