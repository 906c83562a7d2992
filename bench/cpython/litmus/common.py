# Shared helpers for the litmus programs. Syntax common to Python 2.7 (CPython, Jython) and 3.x.
from __future__ import print_function, division
import json
import sys
import threading
import time

try:
    clock = time.perf_counter
except AttributeError:  # Python 2.7 / Jython 2.7
    clock = time.time

try:
    xrange = xrange  # noqa: F821  (Python 2)
except NameError:
    xrange = range

IMPL = getattr(sys, "implementation", None)
IMPL = IMPL.name if IMPL is not None else ("jython" if sys.platform.startswith("java") else "cpython")
IS_JYTHON = sys.platform.startswith("java") or "java" in str(sys.platform)


def emit(d):
    """Print exactly one JSON line (the program's only stdout output)."""
    sys.stdout.write(json.dumps(d, sort_keys=True) + "\n")
    sys.stdout.flush()


def skip(reason):
    emit({"skipped": reason})
    sys.exit(0)


def spin(n):
    """Pure-Python CPU work: n loop iterations of integer arithmetic."""
    x = 0
    for i in xrange(n):
        x = (x + i * i) % 1000003
    return x


# Extra warm-up (seconds) before measuring: JIT compilers keep speeding code up for a while
# (Jython/HotSpot for several seconds), which would bias whichever phase runs first.
WARM = 2.0 if IS_JYTHON else (0.5 if IMPL == "pypy" else 0.0)


def calibrate(fn, target, start=2000, min_probe=0.1, warm=None):
    """Return n such that fn(n) takes about `target` seconds on this interpreter.
    Probes with growing n until one call takes >= min_probe s; then, on JIT interpreters,
    keeps probing for `warm` seconds (until two probes agree within 10%)."""
    if warm is None:
        warm = WARM
    n = start
    while True:
        t0 = clock()
        fn(n)
        dt = clock() - t0
        if dt >= min_probe:
            break
        if dt <= 0:
            n *= 10
        else:
            n = int(n * min(10.0, max(2.0, 1.5 * min_probe / dt)))
    rate = n / dt
    w0 = clock()
    prev = None
    while True:
        n = max(1, int(rate * min_probe))
        t0 = clock()
        fn(n)
        dt = max(clock() - t0, 1e-9)
        rate = n / dt
        done = clock() - w0 >= warm
        if done and prev is not None and abs(rate - prev) <= 0.1 * max(rate, prev):
            break
        if clock() - w0 >= 3 * warm + 1.0:  # give up waiting for a stable rate
            break
        prev = rate
    return max(1, int(rate * target))


def run_threads(target, args_list):
    """Start one thread per args tuple, release them together, join; return elapsed wall time
    from release to last join (thread creation is not timed)."""
    go = threading.Event()
    ready = []
    lock = threading.Lock()

    def wrap(a):
        with lock:
            ready.append(1)
        go.wait()
        target(*a)

    ts = [threading.Thread(target=wrap, args=(a,)) for a in args_list]
    for t in ts:
        t.daemon = True
        t.start()
    while True:
        with lock:
            if len(ready) == len(ts):
                break
        time.sleep(0.001)
    t0 = clock()
    go.set()
    for t in ts:
        t.join()
    return clock() - t0


def spin_phases(n, k):
    """The two timed phases of the CPU litmus: k chunks of spin(n) one after another in this
    thread, and the same k chunks in k threads; each returns its wall time."""

    def sequential():
        t0 = clock()
        for _ in range(k):
            spin(n)
        return clock() - t0

    def threaded():
        return run_threads(spin, [(n,)] * k)

    return sequential, threaded


def interleave(phases, blocks):
    """Run the measuring callables in `phases` in mirrored order (A B .. B A), `blocks` times,
    and return one list of results per phase. The machine's speed drifts by up to 2x over
    ~1 s on the shared host, so many short, alternating phases are compared, not one long
    phase each."""
    res = [[] for _ in phases]
    order = list(range(len(phases))) + list(reversed(range(len(phases))))
    for _ in range(blocks):
        for i in order:
            res[i].append(phases[i]())
    return res


def version_info():
    return {"impl": IMPL, "version": sys.version.split()[0]}
