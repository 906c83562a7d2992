# Python 3 only part of asyncio_timer.py (kept separate so 2.7 can parse asyncio_timer.py).
import asyncio
import multiprocessing
import threading
import time

from common import spin, version_info

clock = time.perf_counter


def burn(stop, started):
    """Pure-Python CPU loop until `stop` is set; sets `started` after the first chunk."""
    first = True
    while not stop.is_set():
        spin(20000)
        if first:
            started.set()
            first = False


async def measure(iters, s):
    over = []
    await asyncio.sleep(s)  # warm-up
    for _ in range(iters):
        t0 = clock()
        await asyncio.sleep(s)
        over.append((clock() - t0 - s) * 1000.0)
    return over


def pct(sorted_vals, p):
    # nearest-rank percentile
    k = max(0, min(len(sorted_vals) - 1, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def main(mode, iters, s):
    worker = None
    if mode == "alone":
        stop = None
    elif mode in ("thread", "process"):
        # The same CPU loop beside the event loop, in a thread of this process or in another.
        event, runner = {"thread": (threading.Event, threading.Thread),
                         "process": (multiprocessing.Event, multiprocessing.Process)}[mode]
        stop, started = event(), event()
        worker = runner(target=burn, args=(stop, started))
        worker.daemon = True
        worker.start()
        started.wait()
    else:
        raise SystemExit("unknown mode " + mode)
    t0 = clock()
    over = asyncio.run(measure(iters, s))
    elapsed = clock() - t0
    if worker is not None:
        stop.set()
        worker.join()
    srt = sorted(over)
    out = {"mode": mode, "iters": iters, "sleep": s, "median_ms": pct(srt, 50),
           "p90_ms": pct(srt, 90), "max_ms": srt[-1], "elapsed": elapsed}
    if mode == "process":
        out["start_method"] = multiprocessing.get_start_method()
    out.update(version_info())
    return out
