#!/bin/sh
# Control runs for gh-96387: run gh96387.py N times without gdb, with and
# without `taskset -c 0`, a timeout per run, and count hangs (timeouts).
# usage: control.sh PYTHON [N] [TIMEOUT_S] [WORK] [ATEXIT_WORK: del|flush|none]
# Output: one line per configuration:  python=... pin=... n=... ok=... hang=... other=...
PY=${1:?usage: control.sh PYTHON [N] [TIMEOUT_S] [WORK]}
N=${2:-100}
T=${3:-5}
WORK=${4:-20000}
AW=${5:-del}
HERE=$(cd "$(dirname "$0")" && pwd)
for pin in none cpu0; do
    ok=0; hang=0; other=0; i=0
    start=$(date +%s)
    while [ "$i" -lt "$N" ]; do
        i=$((i + 1))
        if [ "$pin" = cpu0 ]; then
            timeout -s KILL "$T" taskset -c 0 "$PY" "$HERE/gh96387.py" "$WORK" 0.001 "$AW" >/dev/null 2>&1
        else
            timeout -s KILL "$T" "$PY" "$HERE/gh96387.py" "$WORK" 0.001 "$AW" >/dev/null 2>&1
        fi
        rc=$?
        case $rc in
            0) ok=$((ok + 1)) ;;
            124|137) hang=$((hang + 1)) ;;
            *) other=$((other + 1)) ;;
        esac
    done
    end=$(date +%s)
    echo "python=$PY pin=$pin n=$N timeout=${T}s work=$WORK atexit=$AW ok=$ok hang=$hang other=$other secs=$((end - start))"
done
