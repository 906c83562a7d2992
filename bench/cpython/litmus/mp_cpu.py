# C7: the same CPU work split over 2 processes (multiprocessing) vs 2 threads vs sequential.
# usage: mp_cpu.py NWORKERS PHASE_SECONDS BLOCKS
# The sequential phase (NWORKERS chunks in the main thread) is calibrated to ~PHASE_SECONDS;
# the threaded and process phases run the same chunks in NWORKERS threads / processes.
# Process time includes process start-up and join (fork on Linux).
# Phases run seq,thr,procs,procs,thr,seq BLOCKS times; ratios use the sums.
from __future__ import print_function, division
import sys
from common import (emit, skip, spin, calibrate, spin_phases, interleave, clock,
                    version_info, IS_JYTHON)

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
    k, target, blocks = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    n = calibrate(spin, target / k)
    sequential, threaded = spin_phases(n, k)

    def procs():
        return run_procs(n, k)

    threaded()  # warm up (untimed)
    procs()
    seq, thr, prc = interleave([sequential, threaded, procs], blocks)
    out = {"workers": k, "iters_per_worker": n, "seq": seq, "thr": thr, "procs": prc,
           "procs_ratio": sum(prc) / sum(seq), "thr_ratio": sum(thr) / sum(seq),
           "procs_vs_thr": sum(prc) / sum(thr)}
    out.update(version_info())
    emit(out)


if __name__ == "__main__":
    main()
