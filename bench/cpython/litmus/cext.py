# C8: do C extensions release the GIL?
# usage: cext.py sha   PHASE_SECONDS BLOCKS -- 2 threads each hashing a 16 MiB buffer R times with
#                                             hashlib.sha256 vs the same 2R hashes in one thread
#        cext.py zlib  PHASE_SECONDS BLOCKS -- same with zlib.compress (level 6) of a 4 MiB
#                                             half-random buffer
#        cext.py mixed PHASE_SECONDS BLOCKS -- a pure-Python loop runs PHASE_SECONDS alone, and
#                                             PHASE_SECONDS while another thread loops sha256 over
#                                             the 16 MiB buffer; metric: loop iterations/s beside
#                                             hashing / iterations/s alone (1 = no slowdown)
# R is calibrated so a sequential phase takes ~PHASE_SECONDS (R >= 1). Phases alternate
# A,B,B,A BLOCKS times and ratios use the sums over all phases.
from __future__ import print_function, division
import hashlib
import random
import sys
import threading
import zlib
from common import emit, spin, calibrate, run_threads, interleave, clock, version_info

MiB = 1 << 20


def sha_buf():
    return b"\x5a" * (16 * MiB)


def zlib_buf():
    rnd = random.Random(1234)
    noise = bytes(bytearray(rnd.randrange(256) for _ in range(32768)))
    return (noise + b"a" * 32768) * 64  # 4 MiB, compresses to ~50%


def do_sha(buf, r):
    for _ in range(r):
        hashlib.sha256(buf).digest()


def do_zlib(buf, r):
    for _ in range(r):
        zlib.compress(buf)


def pair(fn, buf, target, blocks):
    fn(buf, 1)  # warm-up
    t0 = clock()
    fn(buf, 2)
    one = (clock() - t0) / 2
    r = max(1, int(round(target / 2.0 / one)))

    def sequential():
        t0 = clock()
        fn(buf, 2 * r)
        return clock() - t0

    def threaded():
        return run_threads(fn, [(buf, r), (buf, r)])

    seq, thr = interleave([sequential, threaded], blocks)
    return {"reps_per_thread": r, "one": one, "seq": seq, "thr": thr,
            "ratio": sum(thr) / sum(seq)}


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


def mixed(target, blocks):
    buf = sha_buf()
    chunk = calibrate(spin, 0.005)
    hashes = [0]
    beside_s = [0.0]

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
        beside_s[0] += clock() - t0
        hashes[0] += count[0] - c0
        stop.set()
        h.join()
        return r

    alone, beside = interleave([rate_alone, rate_beside], blocks)
    return {"chunk": chunk, "rate_alone": alone, "rate_beside": beside,
            "rate_ratio": sum(beside) / sum(alone), "hashes_during": hashes[0],
            "beside_seconds": beside_s[0], "hash_mib_per_s": hashes[0] * 16.0 / beside_s[0]}


def main():
    mode, target, blocks = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    if mode == "sha":
        out = pair(do_sha, sha_buf(), target, blocks)
    elif mode == "zlib":
        out = pair(do_zlib, zlib_buf(), target, blocks)
    elif mode == "mixed":
        out = mixed(target, blocks)
    else:
        raise SystemExit("unknown mode " + mode)
    out["mode"] = mode
    out.update(version_info())
    emit(out)


if __name__ == "__main__":
    main()
