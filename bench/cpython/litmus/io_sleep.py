# C4a: N threads each doing K blocking time.sleep(D) vs the same N*K sleeps in one thread.
# usage: io_sleep.py NTHREADS K D
from __future__ import print_function, division
import sys
import time
from common import emit, run_threads, clock, version_info


def sleeper(k, d):
    for _ in range(k):
        time.sleep(d)


def main():
    nthreads, k, d = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    t0 = clock()
    sleeper(nthreads * k, d)
    seq = clock() - t0
    thr = run_threads(sleeper, [(k, d)] * nthreads)
    out = {"threads": nthreads, "sleeps": k, "d": d, "seq": seq, "thr": thr, "ratio": thr / seq}
    out.update(version_info())
    emit(out)


if __name__ == "__main__":
    main()
