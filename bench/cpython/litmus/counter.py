# C1: lost updates of a shared counter incremented without a lock.
# usage: counter.py SHAPE NTHREADS TARGET_SECONDS
#   The iterations per thread are calibrated in-process (single-threaded runs of the same loop)
#   so that all NTHREADS*iters increments would take ~TARGET_SECONDS in one thread; this keeps
#   JIT-compiled loops (PyPy) long enough to span many thread switches.
#   plain: `counter += 1` on a module global in a for loop (no call in the loop body)
#   call : `counter += one()` (a Python function call between the load and the store of counter)
#   attr : `obj.count += 1` on an instance attribute in a for loop
from __future__ import print_function, division
import sys
from common import emit, run_threads, calibrate, xrange, version_info

counter = 0


class Box(object):
    def __init__(self):
        self.count = 0


def one():
    return 1


def plain(n):
    global counter
    for _ in xrange(n):
        counter += 1


def call(n):
    global counter
    for _ in xrange(n):
        counter += one()


def attr(n, obj):
    for _ in xrange(n):
        obj.count += 1


def main():
    global counter
    shape, nthreads, target = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if shape not in ("plain", "call", "attr"):
        raise SystemExit("unknown shape " + shape)
    box = Box()
    if shape == "attr":
        scratch = Box()
        iters = calibrate(lambda n: attr(n, scratch), target / nthreads)
        fn, args = attr, (iters, box)
    else:
        fn = plain if shape == "plain" else call
        iters = calibrate(fn, target / nthreads)
        counter = 0
        args = (iters,)
    elapsed = run_threads(fn, [args] * nthreads)
    final = box.count if shape == "attr" else counter
    expected = nthreads * iters
    out = {"shape": shape, "threads": nthreads, "iters": iters, "expected": expected,
           "final": final, "lost_pct": 100.0 * (expected - final) / expected,
           "elapsed": elapsed}
    out.update(version_info())
    emit(out)


if __name__ == "__main__":
    main()
