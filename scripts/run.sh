#!/usr/bin/env bash
# Quick start: prepare the host, start the system libvirtd, build the doctor's probe guest,
# build kinvm (release) and run `kinvm doctor` against this machine.
#
# Usage: scripts/run.sh [KINVM_DOCTOR_ARGS...]
set -euo pipefail

SCRIPT_NAME=run.sh
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

case "${1:-}" in -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

cd "$here/.."
"$here/setup-host.sh"
"$here/libvirtd.sh" start
# The tiny guest kinvm doctor boots to find out which virt types work (cached, seconds).
"$here/build-test-guest.sh"
log "building kinvm (release)"
swift build -c release --product kinvm || die "swift build -c release --product kinvm failed"
bin=$(swift build -c release --show-bin-path)/kinvm
[ -x "$bin" ] || die "build succeeded but $bin is missing"
log "running: $bin doctor $*"
exec "$bin" doctor "$@"
