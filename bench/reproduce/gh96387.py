"""Scenario for CPython gh-96387 (hang at exit in drop_gil's FORCE_SWITCHING wait).

A daemon thread spins in a pure-Python CPU loop forever; the switch interval is
short so the daemon thread keeps timing out in take_gil() and setting the GIL
drop request; the main thread does a bit of CPU work and then returns, so
Py_FinalizeEx() runs while the daemon thread is (usually) waiting in take_gil().

On unfixed CPython (<= 3.9.x, 3.10.0..3.10.7) this process can hang forever at
exit: the main thread waits on gil->switch_cond in drop_gil() for a hand-off to
a daemon thread that already exited in take_gil().

usage: python gh96387.py [work_iterations] [switch_interval_seconds]
"""
import sys
import threading


def spin():
    while True:
        pass


def main():
    work = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.001
    sys.setswitchinterval(interval)
    threading.Thread(target=spin, daemon=True).start()
    x = 0
    for i in range(work):
        x += i
    return x


if __name__ == "__main__":
    main()
    # fall off the end: Py_FinalizeEx() runs with the daemon thread alive
