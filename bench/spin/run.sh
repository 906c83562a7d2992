#!/usr/bin/env bash
# bench/spin/run.sh -- SPIN vs gilcheck on the same GIL model (bench/spin/gil.pml mirrors
# models/gil.rs, variant cpython-3.11, threads looping forever, no spurious wake-ups).
#
# Part 1, state counts: for each thread count, generate pan from gil.pml, compile it twice
# (-DNOREDUCE, and with SPIN's partial-order reduction), run an exhaustive safety search
# (assertions GIL-S1/S2 and invalid end states = GIL-S3), and print one line per run next to
# `gilcheck check gil --threads N --property GIL-S1,GIL-S2,GIL-S3 --json`: the same safety
# search (gilcheck's liveness analysis is left out, as pan's safety run leaves out LTL).
# Part 2, verdicts: GIL-S1, GIL-S3 (deadlock), GIL-L1 and GIL-L2 from SPIN (liveness with
# `pan -a -f`, weak fairness per process) next to gilcheck's, for the variants gil.pml models:
# cpython-3.11 and the bad no-gil (GIL-S1 violated), plus no-force-switch (GIL-L1 violated from
# 2 threads) and the bad handoff-under-mutex (deadlock, GIL-S3 violated).
#
# Usage: bench/spin/run.sh            (THREADS_LIST="2 3 4" by default)
#   THREADS_LIST="2 3 4 5 6" bench/spin/run.sh
#   REPEAT=5 bench/spin/run.sh         (runs per measurement; the fastest counts, default 5)
#   WORKERS=1 bench/spin/run.sh        (gilcheck's successor threads; default every core)
#   GILCHECK=/path/to/gilcheck bench/spin/run.sh   (default: <repo>/target/release/gilcheck)
#   VERDICTS=0 bench/spin/run.sh       (part 1 only)
#   VARIANT_LIST="cpython-3.11 no-gil" bench/spin/run.sh   (variants of part 2)
# Exit status: 0 when every count is equal and every verdict agrees, 1 otherwise, 2 when a tool
# is missing.
#
# Columns of part 1: SPIN's transitions are "transitions (= stored+matched)", which also counts
# reaching the initial state: it is gilcheck's transition count plus one. Seconds are wall-clock
# for the whole process (compiling pan is not included), measured the same way for both, the
# fastest of REPEAT runs; ratio is gilcheck's states/s over SPIN's. rss_MB is each process's peak resident
# memory; store_MB is the memory of the state store as each tool reports it (pan: "actual memory
# usage for states"; gilcheck: memory_bytes, states + parents + hash table).
set -euo pipefail

command -v spin >/dev/null 2>&1 || { echo "spin not found: apt-get install spin" >&2; exit 2; }
command -v gcc >/dev/null 2>&1 || { echo "gcc not found: apt-get install gcc" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: apt-get install python3" >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
model="$here/gil.pml"
threads_list="${THREADS_LIST:-2 3 4 5}"
repeat="${REPEAT:-5}"
workers="${WORKERS:-$(nproc)}"
gilcheck="${GILCHECK:-$repo/target/release/gilcheck}"
verdicts="${VERDICTS:-1}"
variant_list="${VARIANT_LIST:-cpython-3.11 no-gil no-force-switch handoff-under-mutex}"

[ -x "$gilcheck" ] || {
    echo "gilcheck not found at $gilcheck: cargo build --release (or set GILCHECK)" >&2
    exit 2
}

work="$(mktemp -d "${TMPDIR:-/tmp}/gilcheck-spin.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$model" "$work/gil.pml"
cd "$work"

# measure OUT CMD...: runs CMD REPEAT times with stdout and stderr to OUT; prints
# "fastest_wall_seconds peak_rss_kb".
measure() {
    python3 - "$repeat" "$@" <<'PY'
import resource, subprocess, sys, time
repeat, out, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
walls = []
for _ in range(repeat):
    start = time.perf_counter()
    with open(out, "w") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    walls.append(time.perf_counter() - start)
print(f"{min(walls):.4f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

# pan_field FILE WHAT: a number from pan's report.
pan_field() {
    case "$2" in
    stored) sed -n 's/^ *\([0-9][0-9]*\) states, stored.*/\1/p' "$1" ;;
    transitions) sed -n 's/^ *\([0-9][0-9]*\) transitions (= stored+matched).*/\1/p' "$1" ;;
    store_mb) sed -n 's/^ *\([0-9.][0-9.]*\)\tactual memory usage for states.*/\1/p' "$1" ;;
    esac | sed -n 1p
}

# gilcheck_json N VARIANT FAIRNESS: gilcheck's JSON report (exit status ignored: it is non-zero
# when a property is violated).
gilcheck_json() {
    local args=(check gil --threads "$1" --variant "$2" --json)
    [ -n "$3" ] && args+=(--fairness "$3")
    "$gilcheck" "${args[@]}" || true
}

status=0

# ---- part 1: state counts ----------------------------------------------------------------------
echo "# gil.pml (SPIN $(spin -V | sed -n 's/^Spin Version \([^ ]*\).*/\1/p')) vs gilcheck check gil: cpython-3.11, threads loop forever, no symmetry"
printf '%-7s %-8s | %8s %11s %8s %11s %8s %8s | %8s %11s %8s %11s %8s %8s | %6s | %s\n' \
    threads mode states transitions seconds states/s rss_MB store_MB \
    states transitions seconds states/s rss_MB store_MB ratio equal
printf '%-7s %-8s | %-73s | %-73s |\n' "" "" "SPIN (pan)" "gilcheck"
for n in $threads_list; do
    spin -DNOLTL -DTHREADS="$n" -a gil.pml >spin.log 2>&1 || { cat spin.log >&2; exit 1; }
    gcc -O2 -DNOREDUCE -DSAFETY -o pan_noreduce pan.c
    gcc -O2 -DSAFETY -o pan_por pan.c

    read -r g_wall g_rss < <(measure gilcheck.json "$gilcheck" check gil --threads "$n" \
        --property GIL-S1,GIL-S2,GIL-S3 --workers "$workers" --json)
    read -r g_states g_trans g_secs g_mem < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["states"], r["transitions"], r["seconds"], r["memory_bytes"])' gilcheck.json)

    for mode in noreduce por; do
        # -m: DFS depth bound (pan says "max search depth too small" if hit); -w20: 2^20 slots.
        read -r s_wall s_rss < <(measure "pan_$mode.out" "./pan_$mode" -m100000 -w20)
        if grep -q "max search depth too small" "pan_$mode.out"; then
            echo "pan: search depth bound hit at $n threads: raise -m" >&2
            exit 1
        fi
        s_states="$(pan_field "pan_$mode.out" stored)"
        s_trans="$(pan_field "pan_$mode.out" transitions)"
        s_store="$(pan_field "pan_$mode.out" store_mb)"
        s_errors="$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "pan_$mode.out")"
        equal=yes
        if [ "$s_states" != "$g_states" ] || [ "$((s_trans - 1))" != "$g_trans" ]; then
            equal=NO
            status=1
        fi
        [ "$s_errors" = 0 ] || { equal="$equal (pan errors: $s_errors)"; status=1; }
        python3 -c '
import sys
n, mode, ss, st, sw, sr, sm, gs, gt, gw, gr, gm, eq = sys.argv[1:]
mb = lambda kb: float(kb) / 1024
print(f"{n:<7} {mode:<8} | {ss:>8} {st:>11} {float(sw):>8.3f} {int(ss)/float(sw):>11.0f} "
      f"{mb(sr):>8.1f} {float(sm):>8.3f} | {gs:>8} {gt:>11} {float(gw):>8.3f} "
      f"{int(gs)/float(gw):>11.0f} {mb(gr):>8.1f} {int(gm)/2**20:>8.3f} | "
      f"{float(sw)/float(gw):>6.2f} | {eq}")' \
            "$n" "$mode" "$s_states" "$s_trans" "$s_wall" "$s_rss" "$s_store" \
            "$g_states" "$g_trans" "$g_wall" "$g_rss" "$g_mem" "$equal"
    done
done

# ---- part 2: verdicts --------------------------------------------------------------------------
if [ "$verdicts" != 0 ]; then
    echo
    echo "# verdicts: SPIN (safety: assertions + invalid end states, pan -c0; liveness: pan -a -f -A)"
    echo "# vs gilcheck (safety; liveness under --fairness weak-thread = SPIN's -f, and strong-thread)"
    printf '%-7s %-19s %-8s %-9s %-9s %-9s %-7s %s\n' \
        threads variant property spin weak strong agree "states spin/gilcheck"
    for n in $threads_list; do
        for variant in $variant_list; do
            flags=(-DTHREADS="$n")
            case "$variant" in
            cpython-3.11) ;;
            no-gil) flags+=(-DNO_GIL) ;;
            no-force-switch) flags+=(-DNO_FORCE_SWITCH) ;;
            handoff-under-mutex) flags+=(-DHANDOFF_UNDER_MUTEX) ;;
            *) echo "gil.pml does not model variant $variant" >&2; exit 2 ;;
            esac
            gilcheck_json "$n" "$variant" weak-thread >weak.json
            gilcheck_json "$n" "$variant" "" >strong.json

            # Safety: -c0 goes on past errors, so the search stays exhaustive and its state count
            # is still comparable. GIL-S2's assertion is the one that mentions last_holder.
            spin -DNOLTL "${flags[@]}" -a gil.pml >spin.log 2>&1 || { cat spin.log >&2; exit 1; }
            gcc -O2 -DNOREDUCE -DSAFETY -o pan_safety pan.c
            ./pan_safety -c0 -m100000 -w20 >safety.out 2>&1 || true
            # (No `grep -q` at the head of a pipe: with pipefail its early exit fails the pipe.)
            s1=holds
            if grep 'assertion violated' safety.out | grep -v last_holder >/dev/null; then
                s1=violated
            fi
            s3=holds
            if grep -E '^pan:[0-9]+: invalid end state' safety.out >/dev/null; then
                s3=violated
            fi
            s_states="$(pan_field safety.out stored)"
            g_states="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["states"])' strong.json)"
            counts="$s_states/$g_states"
            if [ "$s_states" != "$g_states" ]; then
                counts="$counts DIFFERENT"
                status=1
            fi

            # Liveness: the ltl blocks l1, l2, weak fairness, assertions off (-A) so that a
            # GIL-S1 violation does not stop the search before a cycle is looked for.
            spin "${flags[@]}" -a gil.pml >spin.log 2>&1 || { cat spin.log >&2; exit 1; }
            gcc -O2 -DNOREDUCE -DNFAIR=4 -o pan_live pan.c
            declare -A live=()
            for p in l1 l2; do
                ./pan_live -a -f -A -N "$p" -m100000 -w20 >"live_$p.out" 2>&1 || true
                if grep -q 'acceptance cycle' "live_$p.out"; then
                    live[$p]=violated
                elif grep -q 'errors: 0' "live_$p.out"; then
                    live[$p]=holds
                else
                    live[$p]=error
                fi
            done

            for prop in GIL-S1 GIL-S3 GIL-L1 GIL-L2; do
                case "$prop" in
                GIL-S1) spin_v="$s1" ;;
                GIL-S3) spin_v="$s3" ;;
                GIL-L1) spin_v="${live[l1]}" ;;
                GIL-L2) spin_v="${live[l2]}" ;;
                esac
                read -r weak_v strong_v < <(python3 -c '
import json, sys
def verdict(path):
    return {r["id"]: r["verdict"] for r in json.load(open(path))["results"]}[sys.argv[3]]
print(verdict(sys.argv[1]), verdict(sys.argv[2]))' weak.json strong.json "$prop")
                # Safety verdicts do not depend on fairness; SPIN's -f is weak fairness.
                agree=yes
                [ "$spin_v" = "$weak_v" ] || { agree=NO; status=1; }
                printf '%-7s %-19s %-8s %-9s %-9s %-9s %-7s %s\n' \
                    "$n" "$variant" "$prop" "$spin_v" "$weak_v" "$strong_v" "$agree" "$counts"
            done
            unset live
        done
    done
fi

exit "$status"
