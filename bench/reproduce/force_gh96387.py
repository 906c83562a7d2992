# gdb Python script: force the model checker's gh-96387 counterexample schedule
# on a real CPython, using only breakpoints and scheduler locking.
#
# usage:
#   GH96387_MODE=trace    gdb -q -batch -x force_gh96387.py --args PYTHON gh96387.py [work]
#   GH96387_MODE=residual gdb -q -batch -x force_gh96387.py --args PYTHON gh96387.py [work]
#
# trace    : the model's shortest trace for unfixed take_gil (3.9.2):
#            T1 exits in take_gil *before* T0's drop_gil releases the GIL.
# residual : the window the model still finds in the fixed code (3.10.8+/3.11+):
#            T1 (exiting) has unlocked gil->mutex but not yet reset its drop
#            request when T0's drop_gil reads the request.
#
# gdb never writes inferior memory or registers here: the only actions are
# breakpoints (at function entries, filtered by thread and by caller frame),
# `continue`/`finish` of one selected thread under `set scheduler-locking on`,
# reads of memory, and finally SIGINT (not passed to the program) to stop the
# hung process for inspection, then kill.
#
# Source locations are resolved at run time (no hard-coded addresses/lines):
# every stop prints `info line *PC` of the take_gil / drop_gil / Py_FinalizeEx
# frame, i.e. the line-table entry of the call site.

import os
import subprocess
import time

import gdb

MODE = os.environ.get("GH96387_MODE", "trace")
HANG_SECS = float(os.environ.get("GH96387_HANG_SECS", "4"))
MAX_SPINS = 200


def log(msg):
    print("[force] " + msg, flush=True)


def ex(cmd, to_string=False):
    return gdb.execute(cmd, to_string=to_string)


def try_eval(*exprs):
    for e in exprs:
        try:
            return int(gdb.parse_and_eval(e))
        except gdb.error:
            continue
    return None


def gil_state():
    """Read GIL fields from memory (3.9-3.11 layout first, then 3.12+)."""
    return {
        "locked": try_eval("_PyRuntime.ceval.gil.locked._value",
                           "_PyRuntime.interpreters.main->ceval.gil->locked._value",
                           "_PyRuntime.interpreters.main->ceval.gil->locked"),
        "last_holder": try_eval("_PyRuntime.ceval.gil.last_holder._value",
                                "_PyRuntime.interpreters.main->ceval.gil->last_holder._value",
                                "_PyRuntime.interpreters.main->ceval.gil->last_holder"),
        "switch_number": try_eval("_PyRuntime.ceval.gil.switch_number",
                                  "_PyRuntime.interpreters.main->ceval.gil->switch_number"),
        "gil_drop_request": try_eval(
            "_PyRuntime.interpreters.main->ceval.gil_drop_request._value",
            "_PyRuntime.interpreters.main->ceval.gil_drop_request",
            "_PyRuntime.ceval.gil_drop_request._value"),
        "finalizing": try_eval("_PyRuntime._finalizing._value",
                               "_PyRuntime._finalizing"),
    }


def fmt_state(st):
    out = []
    for k, v in st.items():
        if v is None:
            out.append("%s=?" % k)
        elif k in ("last_holder", "finalizing"):
            out.append("%s=%#x" % (k, v))
        else:
            out.append("%s=%d" % (k, v))
    return " ".join(out)


def frame_names(depth=6):
    names = []
    f = gdb.newest_frame()
    while f is not None and len(names) < depth:
        names.append(f.name() or "??")
        f = f.older()
    return names


def site(func):
    """Line-table location of the innermost frame named func (the call site)."""
    f = gdb.newest_frame()
    while f is not None:
        if f.name() == func:
            sal = f.find_sal()
            fn = sal.symtab.filename if sal.symtab else "??"
            return "%s:%s (pc %#x, %s)" % (fn, sal.line, f.pc(),
                                          "inlined" if f.type() == gdb.INLINE_FRAME else "real frame")
        f = f.older()
    return "(no %s frame)" % func


class FilteredBreak(gdb.Breakpoint):
    """Stop only in the given thread (global num) and when a caller frame is named `caller`."""

    all = []

    def __init__(self, spec, caller=None, thread=None):
        super().__init__(spec, internal=True)
        FilteredBreak.all.append(self)
        self.caller = caller
        self.want_thread = thread
        self.hits = 0

    def stop(self):
        th = gdb.selected_thread()
        if self.want_thread is not None and th.global_num != self.want_thread:
            return False
        if self.caller is not None and self.caller not in frame_names(5)[1:]:
            return False
        self.hits += 1
        return True


def stopped_at(bp):
    return bp.hits > 0


def alive():
    return gdb.selected_inferior().pid != 0


def cont_thread(tnum, bps, what):
    """Resume only thread tnum (scheduler-locking on) until one of bps is hit."""
    for b in bps:
        b.hits = 0
    ex("thread %d" % tnum, to_string=True)
    ex("continue")
    if not alive():
        log("process exited while waiting for: " + what)
        return None
    hit = [b for b in bps if b.hits]
    return hit[0] if hit else None


def main():
    ex("set pagination off")
    ex("set confirm off")
    ex("set print thread-events on")
    ex("handle SIGINT stop print nopass")
    ex("start", to_string=True)
    pid = gdb.selected_inferior().pid
    log("mode=%s pid=%d" % (MODE, pid))

    # ---- steps 1-2 happen naturally: the main thread took the GIL (fast path)
    # and is running; we stop it in Py_FinalizeEx just before the store that
    # marks the runtime as finalizing (inlined _PyRuntimeState_SetFinalizing).
    bp_fin = FilteredBreak("_PyRuntimeState_SetFinalizing", caller="Py_FinalizeEx")
    ex("continue")
    if not stopped_at(bp_fin):
        log("did not reach Py_FinalizeEx/_PyRuntimeState_SetFinalizing")
        return
    t0 = gdb.selected_thread().global_num
    threads = sorted(t.global_num for t in gdb.selected_inferior().threads())
    others = [t for t in threads if t != t0]
    log("T0 (main) = gdb thread %d stopped at %s; threads=%s" % (t0, site("Py_FinalizeEx"), threads))
    if len(others) != 1:
        log("expected exactly one other thread, got %s" % others)
        return
    t1 = others[0]
    st = gil_state()
    log("steps 1-2 (natural): T0 holds the GIL: " + fmt_state(st))
    bp_fin.enabled = False
    ex("set scheduler-locking on")

    # ---- steps 3-4: only T1 runs; it waits (timed) on gil->cond, times out,
    # sets the drop request and comes back to wait again.
    bp_tw = FilteredBreak("pthread_cond_timedwait", caller="take_gil", thread=t1)
    ex("thread %d" % t1, to_string=True)
    log("T1 = gdb thread %d, currently: %s" % (t1, " <- ".join(frame_names(6))))
    waits = 0
    while True:
        b = cont_thread(t1, [bp_tw], "T1 timed wait in take_gil")
        if b is None:
            return
        waits += 1
        st = gil_state()
        log("step %s: T1 at COND_TIMED_WAIT in take_gil, call site %s; %s"
            % ("3" if st["gil_drop_request"] == 0 else "4 (wait again)", site("take_gil"), fmt_state(st)))
        if st["gil_drop_request"]:
            break
        if waits > MAX_SPINS:
            log("T1 never set the drop request")
            return
    # T1 is now stopped at the entry of pthread_cond_timedwait (holding
    # gil->mutex; its absolute deadline, 1 switch interval, is already computed).

    # ---- steps 5-6: only T0 runs: it stores _finalizing and runs on until
    # its next drop_gil (eval-loop poll point seeing the drop request, or a
    # Py_BEGIN_ALLOW_THREADS in the finalization code).
    bp_drop = FilteredBreak("drop_gil", thread=t0)
    b = cont_thread(t0, [bp_drop], "T0 drop_gil")
    if b is None:
        return
    st = gil_state()
    log("step 5: runtime finalizing: _finalizing=%#x (T0 tstate)" % (st["finalizing"] or 0))
    log("step 6: T0 entered drop_gil from %s" % " <- ".join(frame_names(8)))
    log("        %s" % fmt_state(st))
    ex("frame 0", to_string=True)
    bp_drop.enabled = False

    if MODE == "trace":
        # ---- step 7: only T1 runs: its wait times out (deadline passed),
        # it sees the runtime finalizing and calls PyThread_exit_thread().
        bp_exit = FilteredBreak("PyThread_exit_thread", thread=t1)
        b = cont_thread(t1, [bp_exit, bp_tw], "T1 exit in take_gil")
        if b is None:
            return
        if b is bp_tw:
            log("T1 came back to the timed wait instead of exiting: %s" % fmt_state(gil_state()))
            return
        st = gil_state()
        log("step 7: T1 at PyThread_exit_thread, call site %s; %s" % (site("take_gil"), fmt_state(st)))
        # T1 is left at the entry of PyThread_exit_thread: it holds no lock
        # and will not touch the GIL again.
    else:
        # ---- residual window (fixed code): T1 runs until its exit branch
        # has unlocked gil->mutex, and stops right after that unlock, i.e.
        # before `if (drop_requested) RESET_GIL_DROP_REQUEST(interp)`.
        bp_unl = FilteredBreak("pthread_mutex_unlock", caller="take_gil", thread=t1)
        bp_exit = FilteredBreak("PyThread_exit_thread", thread=t1)
        b = cont_thread(t1, [bp_unl, bp_exit, bp_tw], "T1 unlock in take_gil exit branch")
        if b is None:
            return
        if b is not bp_unl:
            log("T1 did not stop at the exit branch's unlock (hit %s)" % b.location)
            return
        bp_unl.enabled = False
        ex("finish", to_string=True)  # only T1 runs (scheduler-locking on)
        st = gil_state()
        log("step 7a: T1 unlocked gil->mutex in its exit branch; now at %s; %s"
            % (site("take_gil"), fmt_state(st)))

    # ---- steps 8-10: only T0 runs: locked=0, signal cond, unlock; the drop
    # request is pending; last_holder is T0 -> reset request, COND_WAIT on
    # switch_cond.  Stop at pthread_cond_wait's entry (called from drop_gil),
    # or notice drop_gil returning without waiting.
    bp_cw = FilteredBreak("pthread_cond_wait", caller="drop_gil", thread=t0)
    # drop_gil returning to its caller, which then calls take_gil = escaped.
    bp_take0 = FilteredBreak("take_gil", thread=t0)
    b = cont_thread(t0, [bp_cw, bp_take0], "T0 switch_cond wait in drop_gil")
    if not alive():
        return
    if b is not bp_cw:
        st = gil_state()
        log("steps 8-10 NOT reached: T0's drop_gil returned without waiting on switch_cond "
            "(stopped in %s); %s" % (" <- ".join(frame_names(4)), fmt_state(st)))
        outcome = "escaped"
    else:
        st = gil_state()
        log("steps 8-9: T0 released the GIL and saw the drop request: %s" % fmt_state(st))
        log("step 10: T0 at COND_WAIT(switch_cond) in drop_gil, call site %s" % site("drop_gil"))
        outcome = "waiting"
    for bpx in FilteredBreak.all:
        if bpx.is_valid():
            bpx.delete()

    # ---- let everything run freely and see whether the process hangs.
    ex("set scheduler-locking off")
    if MODE == "residual":
        log("releasing T1 (it resets its request and exits) and T0")
    sampler = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".hang_sample.txt")
    cmd = ("sleep %s; for t in /proc/%d/task/*; do echo \"$t $(cut -d' ' -f3,14,15 $t/stat) "
           "wchan=$(cat $t/wchan)\"; done > %s; sleep 1; for t in /proc/%d/task/*; do "
           "echo \"$t $(cut -d' ' -f3,14,15 $t/stat)\"; done >> %s; "
           "grep -q gh96387 /proc/%d/cmdline && kill -INT %d"
           % (HANG_SECS, pid, sampler, pid, sampler, pid, pid))
    killer = subprocess.Popen(["sh", "-c", cmd])
    t_start = time.time()
    ex("continue")
    if not alive():
        log("RESULT: no hang: process exited after %.2fs of free running (outcome before release: %s)"
            % (time.time() - t_start, outcome))
        killer.kill()
        killer.wait()
        return
    killer.wait()
    log("RESULT: HANG: process still alive after %.1fs of free running; stopped it with SIGINT (not passed)"
        % (time.time() - t_start))
    try:
        with open(sampler) as fh:
            log("/proc samples (task state utime stime wchan), 1s apart:\n" + fh.read().rstrip())
    except OSError:
        pass
    ex("info threads")
    ex("thread apply all bt")
    st = gil_state()
    log("GIL state in memory: " + fmt_state(st))
    ex("thread %d" % t0, to_string=True)
    names = frame_names(8)
    log("main thread stack: " + " <- ".join(names))
    if "drop_gil" in names and any(n.startswith("pthread_cond_wait") or n.startswith("__pthread_cond_wait")
                                   or n.startswith("___pthread_cond_wait") for n in names):
        log("VERDICT: main thread blocked in pthread_cond_wait called from drop_gil (gh-96387 hang reproduced)")
    else:
        log("VERDICT: process alive but main thread is not in drop_gil's cond wait")


try:
    main()
finally:
    if gdb.selected_inferior().pid != 0:
        gdb.execute("kill")
