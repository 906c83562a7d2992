"""gilcheck reproduce: the program for gh-96387 (GIL-X1, GIL-S3), a hang at exit in
drop_gil's FORCE_SWITCHING wait.

A daemon thread spins in Python code, so with a short switch interval it keeps timing out in
take_gil and asking the main thread to drop the GIL. The main thread does some work and falls
off the end: Py_FinalizeEx runs with the daemon thread alive. A garbage reference cycle whose
__del__ runs bytecode is collected by the last collection of Py_FinalizeEx, after the runtime
is marked finalizing, so the main thread reaches a poll point, and drop_gil, at the moment the
daemon thread must exit. (A module-level object with __del__ does not do: with a daemon thread
alive its __del__ never runs at exit.)

usage: python shutdown.py [work_iterations] [switch_interval_seconds]
"""
import sys
import threading


def spin():
    while True:
        pass


class RunsAtCleanup:
    def __del__(self):
        y = 0
        for i in range(2000):
            y += i


def main():
    work = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    sys.setswitchinterval(float(sys.argv[2]) if len(sys.argv) > 2 else 0.001)
    threading.Thread(target=spin, daemon=True).start()
    x = 0
    for i in range(work):
        x += i
    cycle = RunsAtCleanup()
    cycle.self = cycle
    del cycle
    return x


if __name__ == "__main__":
    main()
