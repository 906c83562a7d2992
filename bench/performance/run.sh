#!/usr/bin/env bash
# bench/performance/run.sh -- the checker's speed and memory next to SPIN's, as a markdown table.
#
# For each thread count N of THREADS_LIST, each a separate process, the fastest of REPEAT runs:
#   SPIN safety      pan built from bench/spin/gil.pml as bench/spin/run.sh builds it
#                    (spin -DNOLTL -DTHREADS=N -a; gcc -O2 -DNOREDUCE -DSAFETY; -m and -w sized
#                    from the state count), one core
#   gilcheck safety  check gil --threads N --property GIL-S1,GIL-S2,GIL-S3, --workers 1 and 2
#   gilcheck all     check gil --threads N --workers 1 (every property, liveness included)
# and once: check refcount --threads 3 --objects 3 --workers 1, its safety properties (RC-S*).
# Seconds are whole-process wall clock and peak RSS is the process's, both from GNU time
# (`-f '%e %M'`: 10 ms resolution); compiling pan is not timed.
#
# Usage: bench/performance/run.sh [OUTPUT.md]     (default bench/performance/results.md)
#   THREADS_LIST="6 7"   thread counts of the gil model (default "6 7")
#   REPEAT=3             runs per measurement, the fastest counts (default 3)
#   README_FILE=path     README whose <!-- performance:begin --> ... <!-- performance:end -->
#                        lines get the table (default <repo>/README.md; left alone without them)
# Exit status: 2 when a tool is missing or the build fails, 1 when a run fails, 0 otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
threads_list="${THREADS_LIST:-6 7}"
repeat="${REPEAT:-3}"
readme="${README_FILE:-$repo/README.md}"
out_arg="${1:-bench/performance/results.md}"
if [ $# -ge 1 ]; then
    out="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
else
    out="$repo/bench/performance/results.md"
fi
gilcheck="$repo/target/release/gilcheck"

# ---- tools -------------------------------------------------------------------------------------
if ! command -v spin >/dev/null 2>&1 || ! command -v gcc >/dev/null 2>&1; then
    echo "run.sh: needs spin and gcc: apt-get install spin gcc" >&2
    exit 2
fi
if ! /usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null; then
    echo "run.sh: needs GNU time at /usr/bin/time: apt-get install time" >&2
    exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "run.sh: needs python3: apt-get install python3" >&2; exit 2; }
command -v cargo >/dev/null 2>&1 || { echo "run.sh: needs cargo (https://rustup.rs)" >&2; exit 2; }
case "$repeat" in '' | *[!0-9]* | 0) echo "run.sh: REPEAT must be a positive integer" >&2; exit 2 ;; esac
for n in $threads_list; do
    case "$n" in '' | *[!0-9]* | 0) echo "run.sh: THREADS_LIST: not a thread count: $n" >&2; exit 2 ;; esac
done
(cd "$repo" && cargo build --release >&2) || { echo "run.sh: cargo build --release failed" >&2; exit 2; }
[ -x "$gilcheck" ] || { echo "run.sh: no $gilcheck after cargo build --release" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/gilcheck-perf.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$repo/bench/spin/gil.pml" "$work/"
cd "$work"

# measure NAME CMD...: runs CMD REPEAT times under GNU time (stdout to NAME.out, stderr to
# NAME.err); prints "seconds peak_rss_kb" of the fastest run. Exit status 1 is accepted
# (gilcheck: a property is violated); anything higher stops the script.
measure() {
    local name="$1" best="" line rc i
    shift
    for ((i = 0; i < repeat; i++)); do
        rc=0
        /usr/bin/time -f '%e %M' -o "$name.time" "$@" >"$name.out" 2>"$name.err" || rc=$?
        if [ "$rc" -gt 1 ]; then
            echo "run.sh: exit status $rc from: $*" >&2
            tail -n 5 "$name.err" >&2
            exit 1
        fi
        line="$(tail -n 1 "$name.time")" # GNU time puts "Command exited with ..." before it
        if [ -z "$best" ] || awk -v a="${line% *}" -v b="${best% *}" 'BEGIN { exit !(a < b) }'; then
            best="$line"
        fi
    done
    echo "$best"
}

# json FILE EXPR: a field of a gilcheck JSON report (r is the report).
json() {
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# row KIND N THREADS STATES "SECONDS RSS_KB" NOTE: one measurement for the table.
row() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5% *}" "${5#* }" "$6" >>rows.tsv
}

# gilcheck_row KIND N THREADS NAME NOTE CMD...: measures a gilcheck --json run and records it.
gilcheck_row() {
    local kind="$1" n="$2" threads="$3" name="$4" note="$5" m
    shift 5
    m="$(measure "$name" "$@")"
    if [ "$(json "$name.out" 'r["exhaustive"]')" != True ]; then
        note="${note:+$note; }NOT EXHAUSTIVE: $(json "$name.out" 'r["limit"]')"
    fi
    row "$kind" "$n" "$threads" "$(json "$name.out" 'r["states"]')" "$m" "$note"
}

: >rows.tsv
for n in $threads_list; do
    echo "run.sh: gil, $n threads" >&2
    safety=(--json check gil --threads "$n" --property "GIL-S1,GIL-S2,GIL-S3")
    gilcheck_row safety1 "$n" "$n" "safety1_$n" "" "$gilcheck" "${safety[@]}" --workers 1
    gilcheck_row safety2 "$n" "$n" "safety2_$n" "" "$gilcheck" "${safety[@]}" --workers 2
    gilcheck_row all "$n" "$n" "all_$n" "" "$gilcheck" --json check gil --threads "$n" --workers 1
    g_states="$(json "safety1_$n.out" 'r["states"]')"

    # pan, built as part 1 of bench/spin/run.sh builds it (that script runs everything when
    # sourced, so these lines are copied): -m the states + 1000 (a DFS stack never holds more),
    # -w 2^ceil(log2(2 x states)) hash slots, 2^18..2^28.
    spin -DNOLTL -DTHREADS="$n" -a gil.pml >spin.log 2>&1 || { cat spin.log >&2; exit 1; }
    gcc -O2 -DNOREDUCE -DSAFETY -o pan pan.c 2>>spin.log || { cat spin.log >&2; exit 1; }
    bits="$(python3 -c 'import math, sys; n = int(sys.argv[1]) * 2; print(min(28, max(18, math.ceil(math.log2(max(n, 2))))))' "$g_states")"
    m="$(measure "pan_$n" ./pan -m"$((g_states + 1000))" -w"$bits")"
    s_states="$(sed -n 's/^ *\([0-9][0-9]*\) states, stored.*/\1/p' "pan_$n.out" | sed -n 1p)"
    [ -n "$s_states" ] || { echo "run.sh: pan reported no state count at $n threads:" >&2; tail -n 20 "pan_$n.out" >&2; exit 1; }
    note="same states as gilcheck"
    [ "$s_states" = "$g_states" ] || note="STATES DIFFER (gilcheck: $g_states)"
    grep -q 'errors: 0' "pan_$n.out" || note="$note; pan found errors"
    if grep -q 'max search depth too small' "pan_$n.out"; then note="$note; depth bound hit"; fi
    row spin "$n" "$n" "$s_states" "$m" "$note"
done

# refcount: its safety properties (IDs whose kind after the last '-' starts with S), once.
echo "run.sh: refcount, 3 threads, 3 objects" >&2
"$gilcheck" --json check refcount --threads 1 --objects 1 >rc_list.json || [ $? -le 1 ]
rc_props="$(json rc_list.json '",".join(p["id"] for p in r["results"] if p["id"].rsplit("-", 1)[1].startswith("S"))')"
gilcheck_row refcount - "3 (3 objects)" refcount "${rc_props//,/, }" "$gilcheck" --json check \
    refcount --threads 3 --objects 3 --workers 1 --property "$rc_props"

# ---- the table ---------------------------------------------------------------------------------
command_line="THREADS_LIST=\"$threads_list\" REPEAT=$repeat bench/performance/run.sh $out_arg"
about="Measured $(date -u +%Y-%m-%d) on $(uname -m), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | sed -n 1p)),"
about="$about gilcheck $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'), $(spin -V | sed -n 's/^\(Spin Version [^ ]*\).*/\1/p'):"
about="$about \`$command_line\`. Seconds and peak RSS: the whole process (GNU time, 10 ms"
about="$about resolution), the fastest of $repeat run(s); pan's compilation is not timed."
python3 - rows.tsv "$about" >table.md <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
names = {
    "spin": "SPIN safety (pan -DNOREDUCE, 1 core)",
    "safety1": "gilcheck safety, 1 worker",
    "safety2": "gilcheck safety, 2 workers",
    "all": "gilcheck every property, 1 worker",
    "refcount": "gilcheck refcount safety, 1 worker",
}
order = ["spin", "safety1", "safety2", "all"]
by = {(r[0], r[1]): r for r in rows}

def rate(r):
    secs = float(r[4])
    return int(r[3]) / secs if secs > 0 else None

out = ["| run | threads | states | seconds | states/s | peak RSS MB | bytes/state (RSS) | vs SPIN | notes |",
       "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
ns = [r[1] for r in rows if r[0] == "spin"]
keys = [(k, n) for n in ns for k in order] + [("refcount", "-")]
for key in keys:
    kind, n, threads, states, secs, rss_kb, note = by[key]
    states, secs, rss_kb = int(states), float(secs), int(rss_kb)
    r = rate(by[key])
    vs = ""
    spin = by.get(("spin", n))
    if kind not in ("spin", "refcount") and r and spin and rate(spin):
        vs = f"{r / rate(spin):.1f}x"
    notes = []
    s1 = by.get(("safety1", n))
    if kind == "safety2" and secs > 0:
        notes.append(f"{float(s1[4]) / secs:.1f}x of 1 worker")
    if kind == "all" and float(s1[4]) > 0:
        notes.append(f"all = {secs / float(s1[4]):.1f}x safety time, {rss_kb / int(s1[5]):.1f}x memory")
    if note:
        notes.append(note)
    out.append(" | ".join([
        f"| {names[kind]}", threads, f"{states:,}", f"{secs:.2f}" if secs > 0 else "<0.01",
        f"{r:,.0f}" if r else "n/a", f"{rss_kb / 1024:,.1f}", f"{rss_kb * 1024 / states:,.0f}",
        vs, "; ".join(notes)]) + " |")
print("\n".join(out))
print()
print(sys.argv[2])
PY
cp table.md "$out"
echo "run.sh: wrote $out" >&2

# ---- README: between the marker lines, atomically ----------------------------------------------
if [ -f "$readme" ]; then
    python3 - "$readme" table.md <<'PY'
import os, sys, tempfile
readme, table = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
begin, end = "<!-- performance:begin -->", "<!-- performance:end -->"
lines = open(readme).read().split("\n")
stripped = [l.strip() for l in lines]
if begin not in stripped or end not in stripped or stripped.index(end) < stripped.index(begin):
    print(f"run.sh: {readme} has no {begin} / {end} lines: not changed", file=sys.stderr)
    sys.exit(0)
i, j = stripped.index(begin), stripped.index(end)
text = "\n".join(lines[: i + 1] + [table] + lines[j:])
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(readme)), prefix=".README.md.")
with os.fdopen(fd, "w") as f:
    f.write(text)
os.chmod(tmp, os.stat(readme).st_mode & 0o777)
os.replace(tmp, readme)
print(f"run.sh: updated {readme} between the performance markers", file=sys.stderr)
PY
else
    echo "run.sh: no $readme: not changed" >&2
fi
cat "$out"
