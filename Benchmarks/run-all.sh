#!/usr/bin/env bash
# Run the kinvm benchmarks: the Swift binding (kinvm-bench), raw C
# (libvirt-c-bench) and libvirt-python (python_bench.py), interleaved, and
# print a comparison table. See Benchmarks/README.md.
#
# usage: Benchmarks/run-all.sh [BIN_DIR] [--rounds N] [--seconds S]
#                              [--warmup N] [--domains N] [--json FILE]
#
# Builds nothing: first run (or let scripts/bench.sh run)
#   swift build -c release --product libvirt-c-bench
#   swift build -c release --product kinvm-bench
# BIN_DIR defaults to $(swift build -c release --show-bin-path).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
PY=/usr/bin/python3   # Debian's python, which has python3-libvirt

bin_dir=""
rounds=3
seconds=3
warmup=500
domains=1000
json_out=""

usage() { sed -n '6,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --rounds)  rounds=${2:?}; shift 2 ;;
        --seconds) seconds=${2:?}; shift 2 ;;
        --warmup)  warmup=${2:?}; shift 2 ;;
        --domains) domains=${2:?}; shift 2 ;;
        --json)    json_out=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        -*)        echo "run-all.sh: unknown option $1" >&2; usage ;;
        *)         [ -z "$bin_dir" ] || usage; bin_dir=$1; shift ;;
    esac
done

if [ -z "$bin_dir" ]; then
    bin_dir=$(cd "$root" && swift build -c release --show-bin-path)
fi
if [ ! -x "$PY" ]; then
    echo "run-all.sh: $PY is required (Debian python3 with python3-libvirt)" >&2
    exit 1
fi

c_bench="$bin_dir/libvirt-c-bench"
swift_bench="$bin_dir/kinvm-bench"
py_bench="$here/python_bench.py"

notes=()
impls=()
if [ -x "$c_bench" ]; then
    impls+=(c)
else
    notes+=("C: $c_bench not found; run: swift build -c release --product libvirt-c-bench")
fi
if [ -x "$swift_bench" ]; then
    impls+=(swift)
else
    notes+=("Swift: $swift_bench not found (skipped); run: swift build -c release --product kinvm-bench")
fi
if "$PY" -c 'import libvirt' 2>/dev/null; then
    impls+=(python)
else
    notes+=("Python: libvirt module missing for $PY (skipped); apt install python3-libvirt")
fi
if [ ${#impls[@]} -eq 0 ]; then
    printf 'run-all.sh: nothing to run\n' >&2
    printf '  %s\n' "${notes[@]}" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kinvm-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
hostfile="$work/host-$domains.xml"
results="$work/results.jsonl"
: > "$results"

"$PY" "$here/make-hostfile.py" "$hostfile" --domains "$domains"

# Run one implementation once; keep each JSON line it prints, tagged with
# the round. A failing program is reported and skipped, not fatal.
run_one() {  # impl round benchmark-args...
    local impl=$1 round=$2; shift 2
    local cmd out status=0
    case "$impl" in
        c)      cmd=("$c_bench") ;;
        swift)  cmd=("$swift_bench") ;;
        python) cmd=("$PY" "$py_bench") ;;
    esac
    printf '  round %s  %-7s %s\n' "$round" "$impl" "$1" >&2
    out=$("${cmd[@]}" "$@" 2>"$work/stderr") || status=$?
    if [ $status -ne 0 ]; then
        notes+=("$impl $1 (round $round) failed with status $status: $(head -c 300 "$work/stderr")")
        return 0
    fi
    printf '%s\n' "$out" | ROUND=$round "$PY" -c '
import json, os, sys
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        rec = json.loads(line)
    except ValueError:
        print("run-all.sh: ignoring non-JSON output: " + line[:200], file=sys.stderr)
        continue
    rec["round"] = int(os.environ["ROUND"])
    print(json.dumps(rec))
' >> "$results"
}

# Interleave implementations, reversing the order every other round
# (c swift python, python swift c, ...) so slow drift in machine speed
# (thermal, frequency, noisy neighbours) hits every implementation alike.
run_rounds() {  # benchmark-args...
    local r i order
    for ((r = 1; r <= rounds; r++)); do
        if ((r % 2)); then
            order=("${impls[@]}")
        else
            order=()
            for ((i = ${#impls[@]} - 1; i >= 0; i--)); do order+=("${impls[i]}"); done
        fi
        for i in "${order[@]}"; do run_one "$i" "$r" "$@"; done
    done
}

echo "kinvm benchmarks: $rounds rounds, cycles ${seconds}s after $warmup warm-up, list of $domains domains" >&2
run_rounds cycles --seconds "$seconds" --warmup "$warmup"
run_rounds list "$hostfile"

[ -z "$json_out" ] || cp "$results" "$json_out"

libvirt_version=$(virsh --version 2>/dev/null || echo unknown)
NOTES=$(printf '%s\n' "${notes[@]+"${notes[@]}"}") LIBVIRT_VERSION=$libvirt_version \
ROUNDS=$rounds "$PY" - "$results" <<'PYEOF'
import json, os, statistics, sys

records = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]

def table(benchmark, field, unit, higher_is_better):
    rows = {}
    for rec in records:
        if rec.get("benchmark") == benchmark and field in rec:
            rows.setdefault(rec.get("impl", "?"), []).append(float(rec[field]))
    if not rows:
        print(f"\n{benchmark}: no results")
        return
    # C first (the baseline), then the others in the order they reported.
    order = sorted(rows, key=lambda k: (k != "c", list(rows).index(k)))
    med = {k: statistics.median(v) for k, v in rows.items()}
    base = med.get("c")
    ratio_head = "vs C (throughput)" if higher_is_better else "vs C (time)"
    print(f"\n{benchmark}: {unit}, median of rounds")
    print(f"  {'impl':<18} {unit:>14} {ratio_head:>18} {'spread':>8} {'n':>3}")
    for k in order:
        v = rows[k]
        spread = (max(v) - min(v)) / med[k] * 100 if med[k] else 0.0
        ratio = f"{med[k] / base:.3f}x" if base else "-"
        print(f"  {k:<18} {med[k]:>14.{1 if higher_is_better else 2}f} "
              f"{ratio:>18} {spread:>7.1f}% {len(v):>3}")

print(f"\nlibvirt {os.environ['LIBVIRT_VERSION']}, test driver, {os.environ['ROUNDS']} rounds")
table("cycles", "cycles_per_second", "cycles/s", True)
domains = sorted({r.get("domains") for r in records if r.get("benchmark") == "list"} - {None})
table("list", "median_ms", "ms/list", False)
if domains:
    print(f"  ({'/'.join(map(str, domains))} domains; full info per domain)")
notes = [n for n in os.environ.get("NOTES", "").splitlines() if n.strip()]
if notes:
    print("\nnotes:")
    for n in notes:
        print("  - " + n)
PYEOF
