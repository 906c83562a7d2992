# C7: the same CPU work split over 2 processes (multiprocessing) vs 2 threads vs sequential.
# usage: mp_cpu.py NWORKERS TARGET_SECONDS   (sequential run ~TARGET_SECONDS, calibrated in-process)
# Process time includes process start-up and join (fork on Linux).
# Phases run in the order seq, thr, procs, procs, thr, seq; ratios use the sums (drift cancels).
from __future__ import print_function, division
import sys
from common import emit, skip, spin, calibrate, run_threads, clock, version_info, IS_JYTHON

try:
    import multiprocessing
except ImportError:
    multiprocessing = None


def run_procs(n, k):
    ps = [multiprocessing.Process(target=spin, args=(n,)) for _ in range(k)]
    t0 = clock()
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    dt = clock() - t0
    for p in ps:
        if p.exitcode != 0:
            raise RuntimeError("worker exit code %r" % (p.exitcode,))
    return dt


def main():
    if multiprocessing is None:
        skip("no multiprocessing module (Jython)" if IS_JYTHON else "no multiprocessing module")
    k, target = int(sys.argv[1]), float(sys.argv[2])
    n = calibrate(spin, target / k)
    def sequential():
        t0 = clock()
        for _ in range(k):
            spin(n)
        return clock() - t0

    run_threads(spin, [(n // 10 + 1,)] * k)  # warm up the threaded path (untimed)
    s1 = sequential()
    t1 = run_threads(spin, [(n,)] * k)
    p1 = run_procs(n, k)
    p2 = run_procs(n, k)
    t2 = run_threads(spin, [(n,)] * k)
    s2 = sequential()
    seq, thr, procs = s1 + s2, t1 + t2, p1 + p2
    out = {"workers": k, "iters_per_worker": n, "seq": [s1, s2], "thr": [t1, t2], "procs": [p1, p2],
           "procs_ratio": procs / seq, "thr_ratio": thr / seq, "procs_vs_thr": procs / thr}
    out.update(version_info())
    emit(out)


if __name__ == "__main__":
    main()
