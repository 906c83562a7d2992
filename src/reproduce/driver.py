# gdb script written by `gilcheck reproduce`: forces a model trace, as a plan of thread blocks,
# on a real CPython, then judges the outcome. Run as
#   GILCHECK_PLAN=plan.json GILCHECK_RESULT=result.json gdb -q -batch -x driver.py --args PY PROG
#
# What gdb may do here: set breakpoints, resume one chosen thread at a time under scheduler
# locking, interrupt a thread that is blocked (SIGINT, never passed to the program), and read
# memory. It never writes the program's memory or registers, so every schedule it forces is
# one the real interpreter can run by itself.
#
# The plan (built by src/reproduce/plan.rs) names, for each block of consecutive model steps of
# one thread, the point where that thread must stop afterwards and the GIL fields the model
# has there. A point is one of
#   call     the entry of `function`, called (maybe through inlined frames) from one of
#            `callers` (none: from anywhere)
#   after    the same, then run to its return (`finish`)
#   blocked  inside `function` called from one of `callers`, blocked (interrupted after
#            `park` s)
#   return   just after the call of `function` the thread is in returns
# and a stop counts only when the fields read from memory equal the model's.

import ctypes
import json
import os
import signal
import threading
import time

import gdb

PLAN = json.load(open(os.environ["GILCHECK_PLAN"]))
RESULT = os.environ["GILCHECK_RESULT"]
LOG = []
EVENTS = []
RESULT_DATA = {"checkpoints": [], "resolved": [], "outcome": "diverged", "detail": "", "log": LOG}


def log(msg):
    LOG.append(msg)
    print("[reproduce] " + msg, flush=True)


def ex(cmd):
    return gdb.execute(cmd, to_string=True)


class Diverged(Exception):
    """The real run left the model's trace; the message says where."""


# ---- memory: the GIL's fields, per CPython layout (first expression that evaluates wins)

GIL = {
    "locked": ["_PyRuntime.ceval.gil.locked._value",
               "_PyRuntime.interpreters.main->ceval.gil->locked._value",
               "_PyRuntime.interpreters.main->ceval.gil->locked"],
    "last_holder": ["_PyRuntime.ceval.gil.last_holder._value",
                    "_PyRuntime.interpreters.main->ceval.gil->last_holder._value",
                    "(unsigned long)_PyRuntime.interpreters.main->ceval.gil->last_holder"],
}
SWITCHES = ["_PyRuntime.ceval.gil.switch_number",
            "_PyRuntime.interpreters.main->ceval.gil->switch_number"]
# The runtime's finalizing thread state, and from 3.12 the interpreter's, which
# tstate_must_exit reads as well: the model's `finalizing` is either.
FINALIZING = ["_PyRuntime._finalizing._value", "(unsigned long)_PyRuntime._finalizing",
              "_PyRuntime.interpreters.main->_finalizing._value",
              "(unsigned long)_PyRuntime.interpreters.main->_finalizing"]
# Until 3.12 the request is a flag of the interpreter; from 3.13 a bit of the holder's
# eval_breaker (_PY_GIL_DROP_REQUEST_BIT, bit 0).
DROP = ["_PyRuntime.interpreters.main->ceval.gil_drop_request._value"]
DROP_BIT_OF_HOLDER = "((PyThreadState*)%d)->eval_breaker & 1"


def read(exprs):
    for e in exprs:
        try:
            return int(gdb.parse_and_eval(e))
        except gdb.error:
            continue
    return None


def gil_fields():
    f = {k: read(v) for k, v in GIL.items()}
    flags = [read([e]) for e in FINALIZING]
    f["finalizing"] = max((x for x in flags if x is not None), default=None)
    drop = read(DROP)
    if drop is None and f["last_holder"]:
        drop = read([DROP_BIT_OF_HOLDER % f["last_holder"]])
    f["drop_request"] = drop
    return f


THREADS = {}  # model index -> gdb.InferiorThread


def holder_index(tstate):
    """The model thread whose PyThreadState is at `tstate`, or -1."""
    if not tstate:
        return -1
    tid = read(["((PyThreadState*)%d)->thread_id" % tstate])
    for i, th in THREADS.items():
        if int.from_bytes(th.handle(), "little") == tid:
            return i
    return -2  # a thread outside the model


def model_view():
    """The GIL fields as the model names them (last_holder as a thread index)."""
    f = gil_fields()
    return {
        "locked": None if f["locked"] is None else int(f["locked"] != 0),
        "last_holder": holder_index(f["last_holder"]),
        "drop_request": None if f["drop_request"] is None else int(f["drop_request"] != 0),
        "finalizing": None if f["finalizing"] is None else int(f["finalizing"] != 0),
    }


def matches(expect):
    if expect is None:
        return True
    seen = model_view()
    return all(seen.get(k) == v for k, v in expect.items())


# ---- stacks

def stack(th=None, depth=64):
    if th is not None:
        th.switch()
    names = []
    f = gdb.newest_frame()
    while f is not None and len(names) < depth:
        names.append(f.name() or "??")
        f = f.older()
    return names


def named(name, frame_name):
    """glibc spells its entry points with leading underscores and a 64 suffix."""
    bare, want = frame_name.split("@")[0].lstrip("_"), name.lstrip("_")
    return bare in (want, want + "64")


def called_from(names, function, callers):
    """`function` on the stack with one of `callers` further out."""
    for i, n in enumerate(names):
        if named(function, n):
            return under(names[i + 1:], callers)
    return False


def under(names, callers):
    """At a breakpoint's stop: one of `callers` on the stack. (gdb may show a stop at the start
    of an inlined function as a stop in its caller, so the function itself need not be
    listed.)"""
    return not callers or any(named(c, n) for c in callers for n in names)


def site(th, functions):
    """The caller of the innermost of `functions` and the call's file:line (line table)."""
    th.switch()
    f = gdb.newest_frame()
    while f is not None and not (f.name() and any(named(g, f.name()) for g in functions)):
        f = f.older()
    return frame_line(f.older() if f is not None else None)


def frame_line(f):
    """A frame's function and file:line (from the line table)."""
    if f is None:
        return "?"
    sal = f.find_sal()
    where = sal.symtab.filename if sal.symtab else "??"
    return "%s (%s:%s)" % (f.name(), where, sal.line)


def from_named(names, function, depth=6):
    """The stack from `function` outward (the C library's frames inside it left out)."""
    for i, n in enumerate(names):
        if named(function, n):
            return " <- ".join(names[i:i + depth])
    return " <- ".join(names[:depth])


# ---- where to break: by name, or by address where the optimiser left no name

def instructions(callers):
    """Addresses of the instructions of those `callers` that exist, hot and cold parts alike
    (from gdb's listing)."""
    out = []
    for caller in callers:
        try:
            text = ex("disassemble '%s'" % caller)
        except gdb.error:
            continue
        out += [int(line.split()[0], 16) for line in text.splitlines()
                if line.strip().startswith("0x")]
    return out


def entry_of_function(pc):
    """`pc` starts a function of its own (not an inlined copy): `info symbol` gives no offset."""
    return " + " not in ex("info symbol %#x" % pc)


def body_lines(locations):
    """(file, line) of every instruction of the inlined copies at `locations`."""
    arch = gdb.selected_frame().architecture()
    lines = set()
    for pc in locations:
        block = gdb.block_for_pc(pc)
        for insn in arch.disassemble(block.start, block.end - 1):
            sal = gdb.find_pc_line(insn["addr"])
            if sal.symtab:
                lines.add((sal.symtab.filename, sal.line))
    return lines


def specs(functions, callers):
    """Breakpoint specs for the first of `functions` this build has, called from one of
    `callers`. By name when it is a function of its own (called) or has a named inlined copy
    in a caller; otherwise (an LTO build inlined it without naming the copy) by address: the
    starts of the runs of the callers' instructions that the line table puts on lines of
    `function`'s body, learnt from its named copies elsewhere."""
    for function in functions:
        probe = gdb.Breakpoint(function, internal=True)
        named_at = [loc.address for loc in probe.locations]
        probe.delete()
        if named_at:
            break
    else:
        raise Diverged("this build has none of %s" % ", ".join(functions))
    if not callers or any(entry_of_function(pc) for pc in named_at):
        return [function]
    mine = instructions(callers)
    if set(named_at) & set(mine):
        return [function]
    body = body_lines(named_at)
    starts, previous = [], False
    for pc in mine:
        sal = gdb.find_pc_line(pc)
        inside = bool(sal.symtab) and (sal.symtab.filename, sal.line) in body
        if inside and not previous:
            starts.append(pc)
        previous = inside
    if not starts:
        raise Diverged("no code of %s found in %s" % (function, " or ".join(callers)))
    log("%s has no named copy in %s: breaking at %s (line table)"
        % (function, " or ".join(callers), ", ".join("%#x" % pc for pc in starts)))
    RESULT_DATA["resolved"].append({"function": function, "callers": callers,
                                    "addresses": ["%#x" % pc for pc in starts]})
    return ["*%#x" % pc for pc in starts]


# ---- running one thread

class Point(gdb.Breakpoint):
    """A stop of the current block: the entry of a function called from one of `callers`, in
    one thread."""

    def __init__(self, spec, callers, thread, expect, check_now):
        super().__init__(spec, internal=True)
        self.thread = thread.global_num  # gdb itself ignores the other threads' hits
        self.callers, self.expect = callers, expect
        self.check_now = check_now
        self.hits = 0
        self.last_seen = None

    def stop(self):
        if not under(stack(), self.callers):
            return False
        self.hits += 1
        if self.hits > PLAN["max_hits"]:
            return True
        if self.check_now and not matches(self.expect):
            self.last_seen = model_view()
            return False
        return True


def on_stop(event):
    EVENTS.append(event)


gdb.events.stop.connect(on_stop)
libc = ctypes.CDLL(None, use_errno=True)
SYS_TGKILL = {"x86_64": 234, "aarch64": 131}[os.uname().machine]


def interrupt_later(pid, lwp, seconds):
    fired = threading.Event()

    def fire():
        fired.set()
        libc.syscall(SYS_TGKILL, pid, lwp, signal.SIGINT)

    timer = threading.Timer(seconds, fire)
    timer.start()
    return timer, fired


def alive():
    return gdb.selected_inferior().pid != 0


def resume(th, seconds, command="continue", level=0):
    """Runs only `th` (by `command` from its frame `level`) until it stops; returns 'break',
    'interrupted', 'thread-exited' (the thread ended) or 'exited' (the process did)."""
    th.switch()
    if level:
        ex("frame %d" % level)
    pid = gdb.selected_inferior().pid
    timer, fired = interrupt_later(pid, th.ptid[1], seconds)
    EVENTS.clear()
    started = time.time()
    gdb.execute(command, to_string=True)
    timer.cancel()
    if not alive():
        return "exited"
    if not th.is_valid():
        return "thread-exited"
    stop = EVENTS[-1] if EVENTS else None
    if isinstance(stop, gdb.SignalEvent) and stop.stop_signal == "SIGINT":
        if not fired.is_set():
            # Left pending by an earlier timer that fired as its thread stopped: run on.
            return resume(th, max(0.0, seconds - (time.time() - started)), command, level)
        return "interrupted"
    return "break"


def ended(how, model, point):
    """Raises when the process or the thread ended on its way to `point`."""
    if how == "exited":
        raise Diverged("the process exited while T%d ran to %s" % (model, describe(point)))
    if how == "thread-exited":
        raise Diverged("T%d ended before %s; fields then: %s"
                       % (model, describe(point), fmt(model_view())))


def run_to(model, th, point, expect):
    """Runs thread `th` (model thread `model`) alone to `point` where the fields are `expect`."""
    kind, fn, callers = point["kind"], point["functions"], point["callers"]
    if kind == "blocked":
        for _ in range(PLAN["max_hits"]):
            how = resume(th, PLAN["park"])
            ended(how, model, point)
            names = stack(th)
            blocked_in = any(called_from(names, f, callers) for f in fn)
            if how == "interrupted" and blocked_in and matches(expect):
                return "blocked in " + from_named(names, fn[0])
        raise Diverged("T%d never blocked in %s with the model's fields %s (seen %s, stack %s)"
                       % (model, describe(point), expect, model_view(), " <- ".join(stack(th)[:6])))
    if kind == "return":
        return run_to_return(model, th, point, expect)
    bps = [Point(spec, callers, th, expect, kind == "call") for spec in specs(fn, callers)]
    try:
        while True:
            how = resume(th, PLAN["step_timeout"])
            ended(how, model, point)
            if how == "interrupted":
                raise Diverged("T%d blocked before %s: %s (fields there: %s; last non-matching hit %s)"
                               % (model, describe(point), " <- ".join(stack(th)[:6]),
                                  model_view(), [bp.last_seen for bp in bps]))
            hits = sum(bp.hits for bp in bps)
            if hits > PLAN["max_hits"]:
                raise Diverged("T%d reached %s %d times without the model's fields %s"
                               % (model, describe(point), hits, expect))
            where = "at %s, called from %s" % (fn[0], site(th, fn))
            if kind == "after":
                gdb.execute("finish", to_string=True)
                where = "returned from %s to %s" % (fn[0], frame_line(gdb.newest_frame()))
                if not matches(expect):
                    bps[0].last_seen = model_view()
                    continue
            return where
    finally:
        for bp in bps:
            bp.delete()


def run_to_return(model, th, point, expect):
    """Runs `th` alone until the call of `point`'s function it is in returns (gdb's `finish`
    from that frame, which also steps out of an inlined copy)."""
    names = stack(th)
    level = next((i for i, n in enumerate(names) if any(named(g, n) for g in point["functions"])),
                 None)
    if level is None:
        raise Diverged("T%d is not in %s: %s" % (model, describe(point), " <- ".join(names[:6])))
    how = resume(th, PLAN["step_timeout"], "finish", level)
    ended(how, model, point)
    if how == "interrupted":
        raise Diverged("T%d did not return from %s: %s (fields %s)"
                       % (model, describe(point), " <- ".join(stack(th)[:6]), fmt(model_view())))
    if not matches(expect):
        raise Diverged("T%d returned from %s with fields %s, the model has %s"
                       % (model, describe(point), fmt(model_view()), fmt(expect)))
    return "returned from %s to %s" % (point["functions"][0], frame_line(gdb.newest_frame()))


def describe(point):
    return "%s %s%s" % (point["kind"], "|".join(point["functions"]),
                        " from " + " or ".join(point["callers"]) if point["callers"] else "")


# ---- the plan

def map_threads(roles):
    threads = sorted(gdb.selected_inferior().threads(), key=lambda t: t.global_num)
    main, spawned = threads[0], threads[1:]
    for i, role in enumerate(roles):
        if role == "main":
            THREADS[i] = main
        else:
            k = int(role.split("-")[1])
            if k > len(spawned):
                raise Diverged("the program has %d spawned threads, the plan needs %d"
                               % (len(spawned), k))
            THREADS[i] = spawned[k - 1]


def fmt(view):
    return " ".join("%s=%s" % (k, v) for k, v in sorted(view.items()))


def force():
    blocks = PLAN["blocks"]
    first = blocks[0]
    # The first block runs free: every thread runs until the first block's thread reaches its
    # stop. That is the scenario's setup, which the model abstracts (its init state).
    stop = first["stop"]
    bps = [gdb.Breakpoint(spec, internal=True) for spec in specs(stop["functions"], stop["callers"])]
    spawned = sum(1 for role in PLAN["threads"] if role != "main")
    while True:
        EVENTS.clear()
        gdb.execute("continue", to_string=True)
        if not alive():
            raise Diverged("the process exited before its setup reached %s" % describe(stop))
        if len(gdb.selected_inferior().threads()) <= spawned:
            continue  # not every thread of the program has started yet
        map_threads(PLAN["threads"])
        here = gdb.selected_thread()
        if (here.global_num == THREADS[first["thread"]].global_num
                and under(stack(here), stop["callers"])):
            break
    for bp in bps:
        bp.delete()
    ex("set scheduler-locking on")
    record(first, "free run to %s" % describe(stop))
    for block in blocks[1:]:
        if "switches_from" not in RESULT_DATA and block["steps"]:
            RESULT_DATA["switches_from"] = read(SWITCHES)
        th = THREADS[block["thread"]]
        where = run_to(block["thread"], th, block["stop"], block["expect"])
        record(block, where)


def record(block, where):
    view = model_view()
    ok = matches(block["expect"])
    what = ("round %d steps %s" % (block["round"], ",".join(str(s) for s in block["steps"]))
            if block["round"] else "steps %s" % ",".join(str(s) for s in block["steps"]))
    log("%s: T%d %s; fields %s%s" % (
        what if block["steps"] else "setup", block["thread"], where, fmt(view),
        "" if ok or block["expect"] is None else " (model: %s)" % fmt(block["expect"])))
    RESULT_DATA["checkpoints"].append({
        "steps": block["steps"], "round": block["round"], "thread": block["thread"],
        "where": where, "fields": view, "matches": ok})


def judge_cycle(oracle):
    """Every round was forced with every checkpoint as the model has it: says how often the
    GIL changed hands while the starved thread waited, and whether it ever held it."""
    starved = oracle["thread"]
    held = [c for c in RESULT_DATA["checkpoints"][1:] if c["fields"]["last_holder"] == starved]
    rounds = max(c["round"] for c in RESULT_DATA["checkpoints"])
    start, end = RESULT_DATA.get("switches_from"), read(SWITCHES)
    handoffs = "?" if start is None or end is None else str(end - start)
    if held:
        RESULT_DATA["outcome"] = "other"
        RESULT_DATA["detail"] = "T%d held the GIL at %d checkpoints" % (starved, len(held))
    else:
        RESULT_DATA["outcome"] = "reached"
        RESULT_DATA["detail"] = ("bypassed: %d rounds of the cycle forced, T%d waited while the "
                                 "GIL changed hands %s times and never held it"
                                 % (rounds, starved, handoffs))
    log("RESULT: %s: %s" % (RESULT_DATA["outcome"], RESULT_DATA["detail"]))


def release_and_judge(oracle):
    """Lets every thread run freely and applies the oracle (a hang: the process stays alive
    with thread `thread` blocked in `stack`)."""
    for b in gdb.breakpoints():
        b.delete()
    ex("set scheduler-locking off")
    main = THREADS[oracle["thread"]]
    pid = gdb.selected_inferior().pid
    started = time.time()
    samples = []
    done = threading.Event()

    def sample():
        for t in sorted(os.listdir("/proc/%d/task" % pid)):
            try:
                stat = open("/proc/%d/task/%s/stat" % (pid, t)).read().rsplit(")", 1)[1].split()
                samples.append("task %s state %s utime %s" % (t, stat[0], stat[11]))
            except OSError:
                pass

    def watch():
        time.sleep(oracle["wait"])
        sample()
        time.sleep(1.0)
        sample()
        done.set()
        libc.syscall(SYS_TGKILL, pid, main.ptid[1], signal.SIGINT)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    gdb.execute("continue", to_string=True)
    while alive() and not done.is_set():
        gdb.execute("continue", to_string=True)  # a stale interrupt from the forcing
    if not alive():
        RESULT_DATA["outcome"] = "not-reached"
        RESULT_DATA["detail"] = "the process exited %.2f s after release" % (time.time() - started)
        log("RESULT: not reached: " + RESULT_DATA["detail"])
        return
    watcher.join()
    backtraces = {}
    for i, th in THREADS.items():
        if th.is_valid():
            backtraces["T%d" % i] = stack(th, 24)
    names = backtraces.get("T%d" % oracle["thread"], [])
    RESULT_DATA["backtraces"] = backtraces
    RESULT_DATA["proc"] = samples
    RESULT_DATA["fields_at_end"] = gil_fields()
    alive_for = time.time() - started
    if all(any(named(want, n) for n in names) for want in oracle["stack"]):
        RESULT_DATA["outcome"] = "reached"
        RESULT_DATA["detail"] = ("hang: alive %.1f s after release, T%d blocked in %s"
                                 % (alive_for, oracle["thread"],
                                    from_named(names, oracle["stack"][0], 8)))
    else:
        RESULT_DATA["outcome"] = "other"
        RESULT_DATA["detail"] = ("alive %.1f s after release, but T%d is in %s"
                                 % (alive_for, oracle["thread"], " <- ".join(names[:8])))
    log("RESULT: %s: %s" % (RESULT_DATA["outcome"], RESULT_DATA["detail"]))
    for name, names in backtraces.items():
        log("%s: %s" % (name, " <- ".join(names)))
    for s in samples:
        log("/proc " + s)




def main():
    ex("set pagination off")
    ex("set confirm off")
    ex("handle SIGINT stop print nopass")
    ex("set breakpoint pending on")
    ex("start")
    try:
        force()
        if PLAN["oracle"]["kind"] == "cycle":
            judge_cycle(PLAN["oracle"])
        else:
            release_and_judge(PLAN["oracle"])
    except Diverged as why:
        RESULT_DATA["outcome"] = "diverged"
        RESULT_DATA["detail"] = str(why)
        log("RESULT: diverged: %s" % why)
    except (gdb.error, RuntimeError) as why:
        RESULT_DATA["outcome"] = "diverged"
        RESULT_DATA["detail"] = "gdb failed: %s" % why
        log("RESULT: diverged: gdb failed: %s" % why)


try:
    main()
finally:
    with open(RESULT + ".part", "w") as out:
        json.dump(RESULT_DATA, out, indent=1)
    os.replace(RESULT + ".part", RESULT)
    if alive():
        gdb.execute("kill")
