# C3 (and C9): N CPU-bound pure-Python threads vs the same work run sequentially.
# usage: cpu_threads.py NTHREADS PHASE_SECONDS BLOCKS
# One sequential phase (NTHREADS chunks one after another in the main thread) is calibrated
# in-process to ~PHASE_SECONDS; the threaded phase runs the same NTHREADS chunks in NTHREADS
# threads. Phases alternate seq,thr,thr,seq BLOCKS times; ratio = sum(thr) / sum(seq).
from __future__ import print_function, division
import sys
from common import emit, spin, calibrate, spin_phases, interleave, version_info


def main():
    nthreads, target, blocks = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    n = calibrate(spin, target / nthreads)  # iterations per chunk (one chunk per thread)
    sequential, threaded = spin_phases(n, nthreads)

    threaded()  # warm up the threaded path (untimed)
    seq, thr = interleave([sequential, threaded], blocks)
    out = {"threads": nthreads, "iters_per_thread": n, "seq": seq, "thr": thr,
           "ratio": sum(thr) / sum(seq)}
    out.update(version_info())
    emit(out)


if __name__ == "__main__":
    main()
