#!/usr/bin/env bash
# Build kube-standin (the stand-in Kubernetes API server, Sources/kube-standin) statically
# linked against the Swift runtime and Foundation, for the test node image: the control-plane
# guest runs it as its API server (started by the stand-in `k3s server` / `kubeadm init`), and
# the guest has no Swift runtime. Only glibc stays dynamic (the guest is the same Debian 12).
#
# Usage: scripts/build-standin-server.sh [--release] [--scratch-path DIR] [--force]
#
# Prints the binary's path on stdout (everything else goes to stderr):
#   ${KINVM_CACHE:-/var/cache/kinvm}/kube-standin/<key>/kube-standin
# <key> is the sha256 of what the binary depends on: Sources/KubeStandIn, Sources/kube-standin,
# Package.swift, Package.resolved (when present), this script, the Swift version and the
# configuration. A cached binary is reused without building; the directory is written beside
# its final name and renamed, so a reader never sees half a binary.
#
# Debug by default: the test build (`swift build --build-tests`, scratch path .build) has
# compiled the same modules in debug already, so with the same --scratch-path (default: the
# repository's .build) this only links. --release compiles everything again, optimized.
#
# Environment: KINVM_CACHE; KINVM_STANDIN_SCRATCH (default for --scratch-path).
set -euo pipefail

SCRIPT_NAME="build-standin-server.sh"
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

repo=$(readlink -f "$here/..")
configuration=debug
scratch=${KINVM_STANDIN_SCRATCH:-$repo/.build}
force=0
while [ $# -gt 0 ]; do
    case "$1" in
        --release) configuration=release ;;
        --scratch-path) [ $# -ge 2 ] || die "--scratch-path needs a directory"; scratch=$2; shift ;;
        --scratch-path=*) scratch=${1#*=} ;;
        --force) force=1 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done
command -v swift >/dev/null || die "swift not found"
command -v sha256sum >/dev/null || die "sha256sum not found"

# The cache key: every input file's hash and name, in a stable order, plus the toolchain.
key=$(
    cd "$repo"
    {
        find Sources/KubeStandIn Sources/kube-standin -type f -name '*.swift' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
        sha256sum Package.swift
        if [ -f Package.resolved ]; then sha256sum Package.resolved; fi
        sha256sum "$here/build-standin-server.sh" | sed "s|$here/||"
        swift --version 2>&1
        echo "configuration=$configuration static-swift-stdlib"
    } | sha256sum | cut -c1-32
)
CACHE=${KINVM_CACHE:-/var/cache/kinvm}
out=$CACHE/kube-standin/$key
binary=$out/kube-standin

# Statically linked: no libswift*, libFoundation*, libdispatch or libBlocksRuntime needed at run time.
check_static() {
    local libs
    libs=$(ldd "$1" 2>&1) || true
    if grep -Eq 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|not found' <<<"$libs"; then
        printf '%s\n' "$libs" >&2
        die "$1 needs the Swift runtime at run time (see ldd above)"
    fi
}

mkdir -p "$CACHE/kube-standin"
exec 9>"$CACHE/kube-standin/.lock"
flock -n 9 || { log "another build holds $CACHE/kube-standin/.lock; waiting"; flock 9; }

if [ "$force" = 0 ] && [ -x "$binary" ] && [ -s "$out/SHA256SUM" ] && (cd "$out" && sha256sum --quiet --status -c SHA256SUM); then
    log "up to date: $binary"
    echo "$binary"
    exit 0
fi

# Swift 6.3's static-stdlib-args.lnk names neither CoreFoundation nor ICU, and the autolink
# entries of libFoundation.a are not honoured in a static link: name Foundation's archives
# explicitly, in a group (they refer to each other). Link flags only: nothing is recompiled.
foundation=()
for lib in Foundation FoundationEssentials FoundationInternationalization CoreFoundation _FoundationICU \
    _FoundationCShims _FoundationCollections swiftSynchronization; do
    foundation+=(-Xlinker "-l$lib")
done
build=(swift build -c "$configuration" --product kube-standin --static-swift-stdlib --scratch-path "$scratch"
    -Xlinker --start-group "${foundation[@]}" -Xlinker --end-group)
log "building kube-standin ($configuration, --static-swift-stdlib, scratch path $scratch)"
t0=$(now)
(cd "$repo" && "${build[@]}" >&2) || die "swift build failed"
built=$(cd "$repo" && "${build[@]}" --show-bin-path)/kube-standin
[ -x "$built" ] || die "swift build left no $built"
check_static "$built"
"$built" --help >/dev/null || die "$built --help failed"
log "built in $(elapsed_since "$t0") s: $(du -m "$built" | cut -f1) MiB"

work=$(mktemp -d "$CACHE/kube-standin/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Without debug symbols: ~100 MiB instead of ~150 in the node image.
if command -v strip >/dev/null; then strip -o "$work/kube-standin" "$built"; else cp "$built" "$work/kube-standin"; fi
chmod 0755 "$work/kube-standin"
"$work/kube-standin" --help >/dev/null || die "the stripped kube-standin does not run"
(cd "$work" && sha256sum kube-standin >SHA256SUM)
chmod 0755 "$work"
rm -rf "$out"
mv -T "$work" "$out"
trap - EXIT
echo "$binary"
