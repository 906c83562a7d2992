#!/bin/sh
# Runs the GIL litmus programs on every available interpreter; see run.py and README.md.
LITMUS_COMMAND="bench/cpython/run.sh $*" exec /usr/bin/python3.11 "$(dirname "$0")/run.py" "$@"
