#!/usr/bin/env bash
# The stress run of issue 15: kinvm's concurrent paths (Tests/ProvisionerTests/StressTests.swift)
# many times in release builds, plain and under AddressSanitizer and ThreadSanitizer, and the
# compiler-defect reproduction (Repro/task-tuple-return) to show the defect is still there.
#
# Usage: scripts/stress.sh [--iterations N] [plain] [address] [thread]     (default: all three, N=200)
#
# Each build has its own scratch directory (.build-stress-KIND, about 15 minutes cold on 2 cores).
# Prints one line per build: iterations, tests passed, and crashes (any abnormal exit of the test
# process is a crash). Exit code 0 only when every build passed.
set -euo pipefail

SCRIPT_NAME=stress.sh
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

case "${1:-}" in -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
iterations=200
kinds=()
while [ $# -gt 0 ]; do
    case "$1" in
        --iterations) iterations=$2; shift 2 ;;
        plain|address|thread) kinds+=("$1"); shift ;;
        *) die "unknown argument: $1" ;;
    esac
done
[ "${#kinds[@]}" -gt 0 ] || kinds=(plain address thread)
cd "$here/.."
"$here/setup-host.sh" >/dev/null

log "compiler defect reproduction (Repro/task-tuple-return/run.sh):"
Repro/task-tuple-return/run.sh "$(mktemp -d)" >&2 || true

failed=0
summary=()
for kind in "${kinds[@]}"; do
    # -enable-testing: the suite uses @testable imports (optimisation is unchanged: the
    # reproduction in Repro/task-tuple-return crashes with it as without).
    flags=(-c release --scratch-path ".build-stress-$kind" -Xswiftc -enable-testing)
    [ "$kind" = plain ] || flags+=(-Xswiftc "-sanitize=$kind")
    t=$(now)
    log "[$kind] swift build --build-tests ${flags[*]}"
    swift build --build-tests "${flags[@]}" || die "[$kind] build failed"
    build_s=$(elapsed_since "$t")
    t=$(now)
    log "[$kind] running the stress suite, KINVM_STRESS_ITERATIONS=$iterations"
    out=$(mktemp)
    set +e
    KINVM_STRESS_ITERATIONS=$iterations TSAN_OPTIONS=halt_on_error=1 ASAN_OPTIONS=detect_leaks=0 \
        swift test --skip-build "${flags[@]}" --filter 'StressTests|SourceRulesTests' >"$out" 2>&1
    rc=$?
    set -e
    run_s=$(elapsed_since "$t")
    passed=$(grep -c '✔ Test ' "$out" || true)
    issues=$(grep -c '✘ Test ' "$out" || true)
    crashed=0
    case "$rc" in 0|1) ;; *) crashed=1 ;; esac
    reports=$(grep -c -E 'ERROR: AddressSanitizer|WARNING: ThreadSanitizer|Program crashed' "$out" || true)
    line="$kind: rc=$rc, tests passed $passed, failed $issues, crashes $crashed, sanitizer reports $reports, build ${build_s}s, run ${run_s}s, log $out"
    summary+=("$line")
    log "$line"
    if [ "$rc" != 0 ] || [ "$reports" != 0 ]; then
        failed=1
        grep -a -m 40 -E -A 12 'ERROR: AddressSanitizer|WARNING: ThreadSanitizer|Program crashed|✘ Test ' "$out" >&2 || true
    fi
done
printf '%s\n' "${summary[@]}"
exit "$failed"
