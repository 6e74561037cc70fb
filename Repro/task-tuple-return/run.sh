#!/usr/bin/env bash
# Builds the reproduction in main.swift at -Onone, -O and -Osize, and each variant at -O, and runs
# each binary: "ok" or how it failed. Usage: Repro/task-tuple-return/run.sh [OUT_DIR]
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
out=${1:-$(mktemp -d)}
mkdir -p "$out"
swiftc --version 2>&1 | sed -n 1p
run() {  # NAME SWIFTC_FLAGS...
    local name=$1 output rc
    shift
    swiftc "$@" "$here/main.swift" -o "$out/$name" 2>"$out/$name.build.log" || { echo "$name: build failed"; return; }
    output=$("$out/$name" 2>&1)
    rc=$?
    if [ "$rc" = 0 ] && [ "$(printf '%s\n' "$output" | tail -n 1)" = "wrong results: 0 of 10000" ]; then
        echo "$name: ok"
    else
        echo "$name: FAILS (exit $rc: $(printf '%s\n' "$output" | grep -a -m1 -E 'crashed|wrong results' || true))"
    fi
}
run task-Onone -Onone
run task-O -O
run task-Osize -Osize
run task-group-O -O -D TASK_GROUP
run local-first-O -O -D LOCAL_FIRST
run no-do-catch-O -O -D NO_DO_CATCH
run not-a-task-O -O -D NOT_A_TASK
