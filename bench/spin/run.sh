#!/usr/bin/env bash
# bench/spin/run.sh -- SPIN vs gilcheck on the same GIL model (bench/spin/gil.pml mirrors
# models/gil/ step for step: every variant, threads looping forever, with and without
# spurious wake-ups; gilcheck's --finite is not modelled).
#
# Part 1, state counts and speed: for each thread count of THREADS_LIST, generate pan from
# gil.pml (cpython-3.11), compile it twice (-DNOREDUCE, and with SPIN's partial-order
# reduction), run an exhaustive safety search (assertions GIL-S1/S2 and invalid end states =
# GIL-S3), and print one line per run next to `gilcheck check gil --threads N --property
# GIL-S1,GIL-S2,GIL-S3 --json`: the same safety search. Counts must be equal.
#
# Part 2, verdicts, for each thread count of VERDICT_THREADS, variant of VARIANT_LIST and
# SPURIOUS_LIST entry (0: no spurious wake-ups; 1: gilcheck --spurious-wakeups = gil.pml -DSPURIOUS),
# one row per property and fairness, SPIN's verdict next to gilcheck's `check gil --json`:
#   GIL-S1, GIL-S2, GIL-S3  one exhaustive safety run, pan -c0 (goes on past errors): S1 and S2
#         are gil.pml's assertions (told apart by their text: S2's mentions last_holder), S3 is
#         pan's invalid-end-state report (a state where no thread can move; no variant has a
#         final state, T0 never ends). Its states and transitions must equal gilcheck's (pan's
#         transitions count reaching the initial state: gilcheck's + 1).
#   GIL-R1, GIL-R2  gil.pml -DWITNESSES, pan -c0: an assertion fails exactly on a witness step
#         (R1: the GIL passes to a different thread; R2: a poll point sees a drop request), so a
#         failed assertion is SPIN's "holds" for these reachability properties.
#   GIL-B1  gil.pml -DCOUNT_BYPASS (adds `acquirer`, so its states are not gilcheck's), ltl b1,
#         `pan -a` without fairness (gilcheck's counting properties ignore fairness): violated
#         (unbounded) exactly when some run has a waiter owed the GIL that never runs again while
#         other threads take the GIL infinitely often.
#   GIL-L1, GIL-L2, GIL-L3, GIL-L4, GIL-X1 (liveness, gil.rs `from ~> to`, per thread for L1,
#         L2, L4), under each fairness of FAIRNESS_LIST, against gilcheck --fairness F:
#     weak-thread    SPIN's own weak fairness, which is per process (= per thread here):
#                    ltl blocks l1 l2 l3 l4 x1, `pan -a -f -N name`.
#     strong-thread  written into the claim: for every thread i the Streett pair
#                    []<> enabled(i) -> []<> (_last == i) (`enabled` and `_last` are SPIN's),
#                    conjoined as an assumption. SPIN's LTL translator does not finish this for
#                    3 threads, so bench/spin/fair_claim.py writes the never claim (a Buchi
#                    automaton for the assumption and the property's negation, exponential in
#                    the number of threads: at most 2^N x (N + 1) states per thread tested),
#                    appended to gil.pml -DNOLTL and run with `pan -a` (no -f).
#     strong-action  (gilcheck: a step, same thread and same label, enabled infinitely often is
#                    taken infinitely often) is NOT compared: it needs one Streett pair per
#                    (thread, step label), 16 + N labels per thread in cpython-3.11 (one d_step
#                    option each; more in the shutdown variants), so 2 threads already give 36
#                    pairs and a claim of about 2^36 states built as above (SPIN's translator
#                    already stops at 3 pairs); `enabled()` is per process and `_last` names no
#                    step, so each option's guard and a last-step variable would also have to be
#                    added to the model. Not at a reasonable size.
#   All liveness runs use -A (assertions off, so a GIL-S1 violation does not end the search
#   before a cycle is looked for). A run that stops (deadlock) is extended by SPIN's stutter step,
#   as gilcheck lets a stopped run stay in its last state. SPIN's states for these rows are the
#   product with the claim (and fairness copies), not comparable with gilcheck's, which are the
#   model's states.
#   Agreement: SPIN's verdict equals gilcheck's, with one mapping (marked "VACUOUS" below):
#   gilcheck's "vacuous" (the trigger never occurs) counts as "holds" (no counterexample).
#   gilcheck's "inconclusive" (a limit stopped it) and SPIN's (pan hit -DMEMLIM, or its depth
#   bound even after raising it) are printed as such and are not counted as disagreements.
#   Seconds: pan's wall clock (compiling pan is not included) for that one property; gilcheck's
#   wall clock for its whole check under that fairness (every property, one graph), so the same
#   on each row of one gilcheck run.
#
# pan's bounds are computed, not fixed: the depth bound -m starts at gilcheck's state count + 1000
# for safety runs (a DFS stack never holds more states than exist) and at 4x that for claim runs,
# and is multiplied by 8 whenever pan reports "max search depth too small" (at most MAX_DEPTH);
# the hash table -w is 2^ceil(log2(states x 2)) slots (x 8 for claim runs; 2^18..2^28);
# part 2 compiles pan with -DCOLLAPSE (lossless: counts stay exact) and -DMEMLIM=MEMLIM_MB, with
# gcc -O2 only for models of over 100,000 states (-O0 below, where compiling outweighs the
# search, and for the claims of 6+ threads, see compile_pan). No bitstate or hash-compact (lossy)
# mode is used. Part 1 compiles with -O2 always.
#
# Usage: bench/spin/run.sh                 (defaults below)
#   THREADS_LIST="2 3 4 5 6 7"   thread counts of part 1 (default "2 3 4 5 6 7")
#   VERDICT_THREADS="2 3 4"      thread counts of part 2 (default "2 3 4"; 5-7 work, slowly)
#   VARIANT_LIST="cpython-3.11 gh-96387-3.9.2"   variants of part 2 (default: all nine)
#   SPURIOUS_LIST="0 1"          part 2 without / with spurious wake-ups (default "0 1")
#   FAIRNESS_LIST="weak-thread strong-thread"    (default both)
#   REPEAT=5                     part 1: runs per measurement, the fastest counts; a single run
#                                once one takes over 10 s (default 5)
#   WORKERS=1                    gilcheck's successor threads (default every core)
#   GILCHECK=/path/to/gilcheck   (default: <repo>/target/release/gilcheck)
#   COUNTS=0 / VERDICTS=0        skip part 1 / part 2
#   MEMLIM_MB=8192               pan's memory bound in part 2 (default 8192)
#   MAX_DEPTH=400000000          largest depth bound tried (default 400000000)
#   GILCHECK_MAX_SECONDS=3600    gilcheck's --max-seconds (default 3600)
#   GILCHECK_MAX_STATES=200000000  gilcheck's --max-states (default 200000000)
#   RESULTS=file.tsv             also write part 2's rows there (tab-separated)
# Exit status: 1 when a count differs or SPIN's verdict differs from gilcheck's, 2 when a tool is
# missing, 0 otherwise.
#
# Columns of part 1: SPIN's transitions are "transitions (= stored+matched)", which also counts
# reaching the initial state: it is gilcheck's transition count plus one. Seconds are wall-clock
# for the whole process (compiling pan is not included), measured the same way for both, the
# fastest of REPEAT runs; ratio is gilcheck's states/s over SPIN's. rss_MB is each process's peak
# resident memory; store_MB is the memory of the state store as each tool reports it (pan:
# "actual memory usage for states"; gilcheck: memory_bytes, states + parents + hash table).
set -euo pipefail

command -v spin >/dev/null 2>&1 || { echo "spin not found: apt-get install spin" >&2; exit 2; }
command -v gcc >/dev/null 2>&1 || { echo "gcc not found: apt-get install gcc" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: apt-get install python3" >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
threads_list="${THREADS_LIST:-2 3 4 5 6 7}"
verdict_threads="${VERDICT_THREADS:-2 3 4}"
repeat="${REPEAT:-5}"
workers="${WORKERS:-$(nproc)}"
gilcheck="${GILCHECK:-$repo/target/release/gilcheck}"
counts="${COUNTS:-1}"
verdicts="${VERDICTS:-1}"
variant_list="${VARIANT_LIST:-cpython-3.11 no-force-switch no-gil no-poll handoff-under-mutex legacy-2.7 gh-96387-3.9.2 gh-96387-3.11.2 gh-96387-reset-under-mutex}"
spurious_list="${SPURIOUS_LIST:-0 1}"
fairness_list="${FAIRNESS_LIST:-weak-thread strong-thread}"
memlim="${MEMLIM_MB:-8192}"
max_depth="${MAX_DEPTH:-400000000}"
gil_max_seconds="${GILCHECK_MAX_SECONDS:-3600}"
gil_max_states="${GILCHECK_MAX_STATES:-200000000}"
results="${RESULTS:-}"
[ -z "$results" ] || results="$(cd "$(dirname "$results")" && pwd)/$(basename "$results")"

[ -x "$gilcheck" ] || {
    echo "gilcheck not found at $gilcheck: cargo build --release (or set GILCHECK)" >&2
    exit 2
}

work="$(mktemp -d "${TMPDIR:-/tmp}/gilcheck-spin.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$here/gil.pml" "$here/fair_claim.py" "$work/"
cd "$work"

# measure OUT TIMES CMD...: runs CMD up to TIMES times (only once more while a run takes at most
# 10 s) with stdout to OUT and stderr to OUT.err; prints "fastest_wall_seconds peak_rss_kb".
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
out, times, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
walls = []
while len(walls) < times and (not walls or walls[-1] <= 10):
    start = time.perf_counter()
    with open(out, "w") as f, open(out + ".err", "w") as err:
        subprocess.run(cmd, stdout=f, stderr=err)
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

# hash_bits STATES FACTOR: pan's -w for about STATES x FACTOR states (2^18..2^28 slots).
hash_bits() {
    python3 -c 'import math, sys; n = int(sys.argv[1]) * int(sys.argv[2]); print(min(28, max(18, math.ceil(math.log2(max(n, 2))))))' "$1" "$2"
}

# run_pan OUT DEPTH PAN_ARGS...: runs ./pan with -mDEPTH, raising DEPTH 8x while pan says
# "max search depth too small" and found no acceptance cycle (at most MAX_DEPTH); prints the
# wall-clock seconds of the last run.
run_pan() {
    local out="$1" depth="$2"
    shift 2
    local start end
    while :; do
        start="$(date +%s.%N)"
        ./pan "$@" -m"$depth" >"$out" 2>&1 || true
        end="$(date +%s.%N)"
        grep -q 'max search depth too small' "$out" || break
        grep -q 'acceptance cycle' "$out" && break
        [ "$depth" -lt "$max_depth" ] || break
        depth=$((depth * 8))
        [ "$depth" -le "$max_depth" ] || depth="$max_depth"
    done
    python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.3f}")' "$start" "$end"
}

# pan_complete OUT: whether the search in OUT was exhaustive (no memory or depth bound hit).
pan_complete() {
    ! grep -qE 'max search depth too small|reached -DMEMLIM bound|out of memory|pan: error' "$1" &&
        grep -q 'errors: ' "$1"
}

# claim_verdict OUT: a liveness run's verdict: violated (acceptance cycle), holds (exhaustive, no
# error) or inconclusive.
claim_verdict() {
    if grep -q 'acceptance cycle' "$1"; then
        echo violated
    elif pan_complete "$1" && grep -q 'errors: 0' "$1"; then
        echo holds
    else
        echo inconclusive
    fi
}

status=0

# ---- part 1: state counts ----------------------------------------------------------------------
if [ "$counts" != 0 ]; then
echo "# gil.pml (SPIN $(spin -V | sed -n 's/^Spin Version \([^ ]*\).*/\1/p')) vs gilcheck check gil: cpython-3.11, threads loop forever, no symmetry"
printf '%-7s %-8s | %9s %11s %8s %11s %8s %8s | %9s %11s %8s %11s %8s %8s | %6s | %s\n' \
    threads mode states transitions seconds states/s rss_MB store_MB \
    states transitions seconds states/s rss_MB store_MB ratio equal
printf '%-7s %-8s | %-75s | %-75s |\n' "" "" "SPIN (pan)" "gilcheck"
for n in $threads_list; do
    spin -DNOLTL -DTHREADS="$n" -a gil.pml >spin.log 2>&1 || { cat spin.log >&2; exit 1; }
    gcc -O2 -DNOREDUCE -DSAFETY -o pan_noreduce pan.c
    gcc -O2 -DSAFETY -o pan_por pan.c

    read -r g_wall g_rss < <(measure gilcheck.json "$repeat" "$gilcheck" check gil --threads "$n" \
        --property GIL-S1,GIL-S2,GIL-S3 --workers "$workers" --max-seconds "$gil_max_seconds" --max-states "$gil_max_states" --json)
    read -r g_states g_trans g_secs g_mem < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["states"], r["transitions"], r["seconds"], r["memory_bytes"])' gilcheck.json)

    for mode in noreduce por; do
        # -m: DFS depth bound, never more than the states (pan says "max search depth too
        # small" if hit); -w: hash slots for twice the states.
        read -r s_wall s_rss < <(measure "pan_$mode.out" "$repeat" "./pan_$mode" \
            -m"$((g_states + 1000))" -w"$(hash_bits "$g_states" 2)")
        if grep -q "max search depth too small" "pan_$mode.out"; then
            echo "pan: search depth bound hit at $n threads" >&2
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
print(f"{n:<7} {mode:<8} | {ss:>9} {st:>11} {float(sw):>8.3f} {int(ss)/float(sw):>11.0f} "
      f"{mb(sr):>8.1f} {float(sm):>8.3f} | {gs:>9} {gt:>11} {float(gw):>8.3f} "
      f"{int(gs)/float(gw):>11.0f} {mb(gr):>8.1f} {int(gm)/2**20:>8.3f} | "
      f"{float(sw)/float(gw):>6.2f} | {eq}")' \
            "$n" "$mode" "$s_states" "$s_trans" "$s_wall" "$s_rss" "$s_store" \
            "$g_states" "$g_trans" "$g_wall" "$g_rss" "$g_mem" "$equal"
    done
done
fi

# ---- part 2: verdicts --------------------------------------------------------------------------

# variant_flags VARIANT: gil.pml's macro for a gilcheck variant.
variant_flags() {
    case "$1" in
    cpython-3.11) ;;
    no-force-switch) echo -DNO_FORCE_SWITCH ;;
    no-gil) echo -DNO_GIL ;;
    no-poll) echo -DNO_POLL ;;
    handoff-under-mutex) echo -DHANDOFF_UNDER_MUTEX ;;
    legacy-2.7) echo -DLEGACY_27 ;;
    gh-96387-3.9.2) echo -DSHUTDOWN_392 ;;
    gh-96387-3.11.2) echo -DSHUTDOWN_3112 ;;
    gh-96387-reset-under-mutex) echo -DSHUTDOWN_RESET_UNDER_MUTEX ;;
    *) echo "gil.pml does not model variant $1" >&2; exit 2 ;;
    esac
}

# compile_pan LOG STATES CFLAGS... -- SPIN_ARGS...: spin -a SPIN_ARGS, then gcc CFLAGS pan.c -o pan.
# Optimised (-O2) only for models of over 100,000 states (STATES: gilcheck's count): below that,
# compiling takes longer than the search, and -O0 compiles 4x faster. The large generated claims
# of 6 and more threads (pan.m over 2 MB) also compile with -O0: gcc -O1 and -O2 take over ten
# minutes on their 10 MB transition switch.
compile_pan() {
    local log="$1" states="$2" cflags=() opt=-O0
    shift 2
    while [ "$1" != -- ]; do cflags+=("$1"); shift; done
    shift
    spin "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
    if [ "$states" -gt 100000 ] && [ "$(wc -c <pan.m)" -lt 2000000 ]; then opt=-O2; fi
    gcc -w "$opt" "${cflags[@]}" -o pan pan.c 2>>"$log" || { cat "$log" >&2; exit 1; }
}

if [ "$verdicts" != 0 ]; then
    for variant in $variant_list; do variant_flags "$variant" >/dev/null; done
    echo
    echo "# verdicts: SPIN vs gilcheck check gil --json (agree: SPIN's verdict = gilcheck's; vacuous counts as holds)"
    echo "# spin_states: GIL-S1..S3 rows = the model's states/transitions (both must equal gilcheck's);"
    echo "# R1, R2 = states; B1 and liveness = states of the product with the claim (not comparable)"
    fmt='%-3s %-27s %-4s %-7s %-13s %-12s %-12s %-5s %11s %9s %9s %9s\n'
    printf "$fmt" N variant spur prop fairness spin gilcheck agree spin_states gil_states spin_s gil_s
    : >rows.tsv
    for n in $verdict_threads; do
        for variant in $variant_list; do
            read -r -a vflags <<<"$(variant_flags "$variant")"
            for spur in $spurious_list; do
                flags=(-DTHREADS="$n" "${vflags[@]}")
                gflags=()
                if [ "$spur" = 1 ]; then
                    flags+=(-DSPURIOUS)
                    gflags+=(--spurious-wakeups)
                fi
                : >this.tsv
                # gilcheck, once per fairness (every property; safety, witnesses and GIL-B1 do
                # not depend on fairness and are read from the first).
                for fair in $fairness_list; do
                    read -r g_wall _ < <(measure "gil_$fair.json" 1 "$gilcheck" check gil \
                        --threads "$n" --variant "$variant" "${gflags[@]}" --fairness "$fair" \
                        --workers "$workers" --max-seconds "$gil_max_seconds" --max-states "$gil_max_states" --json)
                    echo "$g_wall" >"gil_$fair.secs"
                done
                first_fair="${fairness_list%% *}"
                g_states="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["states"])' "gil_$first_fair.json")"
                g_trans="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["transitions"])' "gil_$first_fair.json")"

                # Safety: assertions GIL-S1/S2, invalid end states GIL-S3; exhaustive (-c0).
                compile_pan spin.log "$g_states" -DNOREDUCE -DSAFETY -DCOLLAPSE -DMEMLIM="$memlim" -- \
                    -DNOLTL "${flags[@]}" -a gil.pml
                secs="$(run_pan safety.out "$((g_states + 1000))" -c0 -w"$(hash_bits "$g_states" 2)")"
                s_states="$(pan_field safety.out stored)"
                s_trans="$(pan_field safety.out transitions)"
                if pan_complete safety.out; then
                    s1=holds s2=holds s3=holds
                    # (No `grep -q` at the head of a pipe: with pipefail its early exit fails it.)
                    if grep 'assertion violated' safety.out | grep -v last_holder >/dev/null; then s1=violated; fi
                    if grep 'assertion violated' safety.out | grep last_holder >/dev/null; then s2=violated; fi
                    if grep -E '^pan:[0-9]+: invalid end state' safety.out >/dev/null; then s3=violated; fi
                else
                    s1=inconclusive s2=inconclusive s3=inconclusive
                fi
                counted="$s_states/$((s_trans - 1))"
                if [ "$s_states" != "$g_states" ] || [ "$((s_trans - 1))" != "$g_trans" ]; then
                    echo "$n threads, $variant, spurious $spur: SPIN has $s_states states and $((s_trans - 1)) transitions, gilcheck $g_states and $g_trans" >&2
                    counted="$counted(DIFFERENT)"
                    status=1
                fi
                for p in "GIL-S1 $s1" "GIL-S2 $s2" "GIL-S3 $s3"; do
                    echo "${p% *}	-	${p#* }	$counted	$secs" >>this.tsv
                done

                # Reachability: GIL-R1, GIL-R2 (a failed witness assertion: holds).
                compile_pan spin.log "$g_states" -DNOREDUCE -DSAFETY -DCOLLAPSE -DMEMLIM="$memlim" -- \
                    -DNOLTL -DWITNESSES "${flags[@]}" -a gil.pml
                secs="$(run_pan witness.out "$((g_states + 1000))" -c0 -w"$(hash_bits "$g_states" 2)")"
                r_states="$(pan_field witness.out stored)"
                for p in "GIL-R1 last_holder" "GIL-R2 drop_request"; do
                    if grep 'assertion violated' witness.out | grep "${p#* }" >/dev/null; then
                        v=holds
                    elif pan_complete witness.out; then
                        v=violated
                    else
                        v=inconclusive
                    fi
                    echo "${p% *}	-	$v	$r_states	$secs" >>this.tsv
                done

                # Counting: GIL-B1, no fairness.
                compile_pan spin.log "$g_states" -DNOREDUCE -DCOLLAPSE -DMEMLIM="$memlim" -- \
                    -DCOUNT_BYPASS "${flags[@]}" -a gil.pml
                secs="$(run_pan b1.out "$((4 * g_states + 1000))" -a -A -N b1 -w"$(hash_bits "$g_states" 8)")"
                echo "GIL-B1	-	$(claim_verdict b1.out)	$(pan_field b1.out stored)	$secs" >>this.tsv

                # Liveness under each fairness.
                for fair in $fairness_list; do
                    case "$fair" in
                    weak-thread)
                        compile_pan spin.log "$g_states" -DNOREDUCE -DCOLLAPSE -DNFAIR=4 -DMEMLIM="$memlim" -- \
                            "${flags[@]}" -a gil.pml
                        for p in l1 l2 l3 l4 x1; do
                            secs="$(run_pan "live_$p.out" "$((4 * g_states + 1000))" -a -f -A -N "$p" \
                                -w"$(hash_bits "$g_states" 8)")"
                            prop="GIL-$(echo "$p" | tr a-z A-Z)"
                            echo "$prop	$fair	$(claim_verdict "live_$p.out")	$(pan_field "live_$p.out" stored)	$secs" >>this.tsv
                        done
                        ;;
                    strong-thread)
                        for p in L1:each L2:each L3:one L4:each X1:one; do
                            python3 fair_claim.py "$n" "${p%:*}" "${p#*:}" >claim.pml
                            cat gil.pml claim.pml >fair.pml
                            compile_pan spin.log "$g_states" -DNOREDUCE -DCOLLAPSE -DMEMLIM="$memlim" -- \
                                -DNOLTL "${flags[@]}" -a fair.pml
                            secs="$(run_pan "sf_${p%:*}.out" "$((4 * g_states + 1000))" -a -A \
                                -w"$(hash_bits "$g_states" 8)")"
                            echo "GIL-${p%:*}	$fair	$(claim_verdict "sf_${p%:*}.out")	$(pan_field "sf_${p%:*}.out" stored)	$secs" >>this.tsv
                        done
                        ;;
                    *)
                        echo "FAIRNESS_LIST: SPIN cannot express $fair (see the header)" >&2
                        exit 2
                        ;;
                    esac
                done

                # Compare and print. This is the one place where gilcheck's verdicts are mapped.
                python3 - "$n" "$variant" "$spur" "$first_fair" "$fmt" "$g_states" <<'PY' >compare.out
import json, sys
n, variant, spur, first_fair, fmt, g_states = sys.argv[1:]
def gilcheck(fair):
    report = json.load(open(f"gil_{fair}.json"))
    secs = open(f"gil_{fair}.secs").read().split()[0]
    return {r["id"]: r["verdict"] for r in report["results"]}, secs
def comparable(verdict):
    # VACUOUS: gilcheck reports "vacuous" when the property's trigger never occurs; there is no
    # counterexample, which is what SPIN reports as "holds".
    return "holds" if verdict == "vacuous" else verdict
disagree = 0
for line in open("this.tsv"):
    prop, fair, spin_v, spin_states, spin_s = line.rstrip("\n").split("\t")
    verdicts, gil_s = gilcheck(first_fair if fair == "-" else fair)
    gil_v = verdicts.get(prop, "missing")
    if "inconclusive" in (spin_v, gil_v):
        agree = "n/a"
    elif spin_v == comparable(gil_v):
        agree = "yes"
    else:
        agree = "NO"
        disagree = 1
    row = (n, variant, spur, prop, fair, spin_v, gil_v, agree, spin_states or "-", g_states,
           spin_s, f"{float(gil_s):.3f}")
    print("ROW\t" + "\t".join(row))
    print(fmt.replace("\\n", "") % row)
print(f"DISAGREE\t{disagree}")
PY
                grep -v -E '^(ROW|DISAGREE)	' compare.out
                grep '^ROW	' compare.out | cut -f2- >>rows.tsv
                if grep -q '^DISAGREE	1' compare.out; then status=1; fi
            done
        done
    done
    [ -z "$results" ] || cp rows.tsv "$results"
fi

echo "# run.sh took $SECONDS s"
exit "$status"
