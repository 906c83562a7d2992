# C5/C6: overshoot of `await asyncio.sleep(S)` measured ITERS times in a row,
#   alone     : nothing else running in the process
#   thread    : while another thread of the same process runs a pure-Python CPU loop
#   process   : while the same CPU loop runs in a separate multiprocessing.Process
# Output: median and p90 overshoot (ms) for this run.
# usage: asyncio_timer.py MODE ITERS S
# Python 2.7 / Jython 2.7 have no asyncio: the program reports itself skipped.
from __future__ import print_function, division
import sys
from common import emit, skip

if __name__ == "__main__":
    if sys.version_info[0] < 3:
        skip("no asyncio (Python 2.7 language level)")
    import asyncio_timer_impl
    emit(asyncio_timer_impl.main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
