# C3 (and C9): N CPU-bound pure-Python threads vs the same work run sequentially.
# usage: cpu_threads.py NTHREADS TARGET_SECONDS
# The total work is calibrated in-process so that the sequential run takes ~TARGET_SECONDS.
# Phases run in ABBA order (seq, thr, thr, seq) and the ratio is sum(thr)/sum(seq), which
# cancels linear drift in machine speed (shared host: steal time, frequency changes).
from __future__ import print_function, division
import sys
from common import emit, spin, calibrate, run_threads, clock, version_info


def main():
    nthreads, target = int(sys.argv[1]), float(sys.argv[2])
    n = calibrate(spin, target / nthreads)  # iterations per chunk (one chunk per thread)
    def sequential():
        t0 = clock()
        for _ in range(nthreads):
            spin(n)
        return clock() - t0

    def threaded():
        return run_threads(spin, [(n,)] * nthreads)

    run_threads(spin, [(n // 10 + 1,)] * nthreads)  # warm up the threaded path (untimed)
    seq1 = sequential()
    thr1 = threaded()
    thr2 = threaded()
    seq2 = sequential()
    seq, thr = seq1 + seq2, thr1 + thr2
    out = {"threads": nthreads, "iters_per_thread": n, "seq": [seq1, seq2], "thr": [thr1, thr2],
           "ratio": thr / seq}
    out.update(version_info())
    emit(out)


if __name__ == "__main__":
    main()
