# C8: do C extensions release the GIL?
# usage: cext.py sha  TARGET_SECONDS  -- 2 threads each hashing a 64 MiB buffer R times with
#                                        hashlib.sha256 vs the same 2*R hashes in one thread
#        cext.py zlib TARGET_SECONDS  -- same with zlib.compress of a 16 MiB half-compressible buffer
#        cext.py mixed TARGET_SECONDS -- a pure-Python CPU loop run for TARGET_SECONDS alone and
#                                        for TARGET_SECONDS while another thread hashes 64 MiB
#                                        buffers with sha256 in a loop; metric: iterations/s
#                                        beside hashing / iterations/s alone
# R is calibrated so the sequential run takes ~TARGET_SECONDS.
# Phases run in ABBA order (A B B A) and ratios use the sums, cancelling linear drift.
from __future__ import print_function, division
import hashlib
import random
import sys
import threading
import zlib
from common import emit, spin, calibrate, run_threads, clock, version_info

MiB = 1 << 20


def sha_buf():
    return b"\x5a" * (64 * MiB)


def zlib_buf():
    rnd = random.Random(1234)
    noise = bytes(bytearray(rnd.randrange(256) for _ in range(32768)))
    return (noise + b"a" * 32768) * 256  # 16 MiB, compresses to ~50%


def do_sha(buf, r):
    for _ in range(r):
        hashlib.sha256(buf).digest()


def do_zlib(buf, r):
    for _ in range(r):
        zlib.compress(buf)


def pair(fn, buf, target):
    t0 = clock()
    fn(buf, 1)
    one = clock() - t0
    r = max(1, int(round(target / 2.0 / one)))
    def sequential():
        t0 = clock()
        fn(buf, 2 * r)
        return clock() - t0

    def threaded():
        return run_threads(fn, [(buf, r), (buf, r)])

    s1 = sequential()
    t1 = threaded()
    t2 = threaded()
    s2 = sequential()
    return {"reps_per_thread": r, "one": one, "seq": [s1, s2], "thr": [t1, t2],
            "ratio": (t1 + t2) / (s1 + s2)}


def spin_for(duration, chunk):
    """Run the pure-Python loop in chunks for ~duration seconds; return iterations per second."""
    count = 0
    t0 = clock()
    while True:
        spin(chunk)
        count += chunk
        dt = clock() - t0
        if dt >= duration:
            return count / dt


def mixed(target):
    buf = sha_buf()
    chunk = calibrate(spin, 0.005)

    def rate_alone():
        return spin_for(target, chunk)

    def rate_beside():
        stop, started = threading.Event(), threading.Event()
        count = [0]

        def hasher():
            while not stop.is_set():
                hashlib.sha256(buf).digest()
                count[0] += 1
                started.set()

        h = threading.Thread(target=hasher)
        h.daemon = True
        h.start()
        started.wait()
        c0 = count[0]
        t0 = clock()
        r = spin_for(target, chunk)
        dt = clock() - t0
        hashes = count[0] - c0
        stop.set()
        h.join()
        return r, hashes, dt

    a1 = rate_alone()
    b1, h1, d1 = rate_beside()
    b2, h2, d2 = rate_beside()
    a2 = rate_alone()
    return {"chunk": chunk, "rate_alone": [a1, a2], "rate_beside": [b1, b2],
            "rate_ratio": (b1 + b2) / (a1 + a2), "hashes_during": h1 + h2,
            "beside_seconds": [d1, d2], "hash_mib_per_s": (h1 + h2) * 64.0 / (d1 + d2)}


def main():
    mode, target = sys.argv[1], float(sys.argv[2])
    if mode == "sha":
        out = pair(do_sha, sha_buf(), target)
    elif mode == "zlib":
        out = pair(do_zlib, zlib_buf(), target)
    elif mode == "mixed":
        out = mixed(target)
    else:
        raise SystemExit("unknown mode " + mode)
    out["mode"] = mode
    out.update(version_info())
    emit(out)


if __name__ == "__main__":
    main()
