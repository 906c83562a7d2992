#!/bin/sh
# Regenerates bench/reproduce/forced.json, the data the property pages show under "On real
# interpreters": each model counterexample forced on each interpreter here with
# `gilcheck reproduce`, and control runs of the same program without gdb.
#
# Needs gdb, Debian's python3.11 with its symbols (apt-get install gdb python3.11-dbg) and the
# pyenv builds (3.9.18, 3.10.13, 3.11.7, 3.12.1, 3.13.0); an absent interpreter is skipped
# with a note. Then run `gilcheck prove` so that the pages show the new data.
#
# usage: bench/reproduce/run.sh [CONTROL_RUNS]   (default 300 of each kind)
set -eu
N=${1:-300}
cd "$(dirname "$0")/../.."
cargo build --release -q
gilcheck=./target/release/gilcheck
pyenv=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")/versions
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=0
# run PROPERTY VARIANT PYTHON [CONTROL_RUNS [THREADS]]
run() {
    if [ ! -x "$3" ]; then
        echo "skipped: $3 is not installed" >&2
        return
    fi
    i=$((i + 1))
    echo "$1 $2 on $3" >&2
    # Exit 1 means "not reached", which is a result too.
    "$gilcheck" --json reproduce "$1" --variant "$2" --python "$3" \
        --control "${4:-0}" ${5:+--threads "$5"} >"$out/$(printf %03d $i).json" || [ $? -eq 1 ]
}
run GIL-X1 gh-96387-3.9.2 "$pyenv/3.9.18/bin/python3" "$N"
run GIL-X1 gh-96387-3.11.2 "$pyenv/3.10.13/bin/python3"
run GIL-X1 gh-96387-3.11.2 /usr/bin/python3.11 "$N"
run GIL-X1 gh-96387-3.11.2 "$pyenv/3.11.7/bin/python3" "$N"
run GIL-X1 gh-96387-3.12.5 "$pyenv/3.12.1/bin/python3"
run GIL-X1 gh-96387-3.13.5 "$pyenv/3.13.0/bin/python3" "$N"
# The unfixed release's trace on a fixed one: the real run must leave it.
run GIL-X1 gh-96387-3.9.2 "$pyenv/3.11.7/bin/python3"
run GIL-S3 gh-96387-3.11.2 /usr/bin/python3.11
# The bypass lasso, 3 rounds of its cycle (its program never ends: no control runs).
run GIL-L2 cpython-3.11 "$pyenv/3.9.18/bin/python3" 0 3
run GIL-L2 cpython-3.11 /usr/bin/python3.11 0 3
run GIL-L2 cpython-3.12 "$pyenv/3.12.1/bin/python3" 0 3
run GIL-L2 cpython-3.13 "$pyenv/3.13.0/bin/python3" 0 3
python3 - "$out" <<'PY'
import glob, json, os, sys
records = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json")))]
with open("bench/reproduce/forced.json.part", "w") as f:
    json.dump({"records": records}, f, indent=1)
    f.write("\n")
PY
mv bench/reproduce/forced.json.part bench/reproduce/forced.json
echo "wrote bench/reproduce/forced.json ($i records)" >&2
