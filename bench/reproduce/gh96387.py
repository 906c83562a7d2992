"""Scenario for CPython gh-96387 (hang at exit in drop_gil's FORCE_SWITCHING wait).

A daemon thread spins in a pure-Python CPU loop forever; the switch interval is
short so the daemon thread keeps timing out in take_gil() and setting the GIL
drop request; the main thread does a bit of CPU work and then returns, so
Py_FinalizeEx() runs while the daemon thread is (usually) waiting in take_gil().

On unfixed CPython (<= 3.9.x, 3.10.0..3.10.7) this process can hang forever at
exit: the main thread waits on gil->switch_cond in drop_gil() for a hand-off to
a daemon thread that already exited in take_gil().

usage: python gh96387.py [work_iterations] [switch_interval_seconds] [atexit_work]

atexit_work selects what the main thread does *after* Py_FinalizeEx() has
marked the runtime as finalizing (the daemon thread can only exit in take_gil
after that point, and the main thread can only hang in a drop_gil() that runs
after it):
  del   (default) leave a garbage reference cycle whose __del__ runs a little
        Python bytecode in the final GC pass of Py_FinalizeEx (after the
        runtime is marked finalizing): eval-loop poll points see the drop
        request and call drop_gil().  (A plain module global with __del__ is
        NOT enough on 3.9.18/3.11.7: with the daemon thread alive, its
        __del__ never runs at exit.);
  flush print a line without flushing; the final flush of sys.stdout (a pipe
        or file: block buffered) releases the GIL around write(2);
  none  nothing: on 3.9.18 the main thread then calls no drop_gil() at all
        after finalizing starts, so the hang is impossible.
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
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.001
    sys.setswitchinterval(interval)
    threading.Thread(target=spin, daemon=True).start()
    x = 0
    for i in range(work):
        x += i
    what = sys.argv[3] if len(sys.argv) > 3 else "del"
    if what == "del":
        obj = RunsAtCleanup()
        obj.cycle = obj  # collected (and __del__ run) by the final GC at exit
        del obj
    elif what == "flush":
        sys.stdout.write("done %d\n" % x)
    return x


if __name__ == "__main__":
    main()
    # fall off the end: Py_FinalizeEx() runs with the daemon thread alive
