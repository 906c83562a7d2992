#!/usr/bin/python3.11
"""Run the GIL litmus programs (bench/cpython/litmus/*.py) on every available interpreter.

usage: run.py [--runs K] [--only LITMUS[,LITMUS...]] [--out FILE]

Each litmus program is started K times per interpreter (one fresh process per run) and prints one
JSON line; the value(s) named in PROGRAMS below become the raw samples. Runs are interleaved:
round k runs every program on every interpreter (interpreter order rotated each round), so slow
drifts in machine load spread over all interpreters instead of hitting one.

Writes (atomically: temp file + rename), after every round:
  FILE (default bench/cpython/litmus.json)  -- the data file, schema in README.md
  FILE with .json -> .raw.json               -- every run's full program output, exit code,
                                                1-min load, steal time and foreign CPU during the run
--only selects litmus ids (exact id or prefix, comma separated); it runs every program that
yields a selected id and writes only the selected ids. Use --out with --only so the full
litmus.json is not overwritten.
"""
import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LITMUS_DIR = os.path.join(HERE, "litmus")

# (id suffix, path). Absent interpreters are skipped with a note.
INTERPRETERS = [
    ("debian", "/usr/bin/python3.11"),
    ("pyenv", "/root/.pyenv/versions/3.11.7/bin/python3"),
    ("pyenv", "/root/.pyenv/versions/3.9.18/bin/python3"),
    ("pyenv", "/root/.pyenv/versions/3.13.0/bin/python3"),
    ("pyenv", "/root/.pyenv/versions/2.7.18/bin/python"),
    (None, "pypy3"),
    (None, "jython"),
]

PROBE = r"""
import sys, platform, json
d = {"implementation": platform.python_implementation(),
     "version": platform.python_version(),
     "full": " ".join(sys.version.split())}
if hasattr(sys, "pypy_version_info"):
    v = sys.pypy_version_info
    d["pypy"] = "%d.%d.%d" % (v[0], v[1], v[2])
d["pydebug"] = hasattr(sys, "gettotalrefcount")
print(json.dumps(d))
"""

# Work sizes. Programs calibrate iteration counts in-process to these time targets; the machine's
# speed drifts (up to 2x over ~1 s on the shared host), so timing comparisons use many short
# alternating phases (A B B A, repeated BLOCKS times) and the ratio of the sums.
COUNTER_T = "0.4"   # all increments of one run would take ~0.4 s single-threaded
CPU_PHASE, CPU_BLOCKS = "0.1", "4"      # cpu_threads: 8 seq + 8 threaded phases of ~0.1 s
MP_PHASE, MP_BLOCKS = "0.2", "2"        # mp_cpu: 4 seq + 4 thr + 4 procs phases of ~0.2 s
CEXT_PHASE, CEXT_BLOCKS = "0.1", "4"    # cext sha/zlib
MIXED_PHASE, MIXED_BLOCKS = "0.2", "2"  # cext mixed: 4 alone + 4 beside phases of 0.2 s

# program, args, [(litmus id, claim, output field, what, metric, unit)]
LOST = ("lost updates, % of increments", "%")
PROGRAMS = []
for shape, what in [
    ("plain", "`counter += 1` on a module global in a plain for loop (no call in the body)"),
    ("call", "`counter += one()` on a module global, `one()` a Python function returning 1 "
             "(a call, hence an eval-breaker poll, between the load and the store)"),
    ("attr", "`obj.count += 1` on an instance attribute in a plain for loop"),
]:
    for n in (2, 4):
        PROGRAMS.append(("counter.py", [shape, str(n), COUNTER_T], [(
            "counter-%s-%dt" % (shape, n), "C1", "lost_pct",
            "%d threads x N iterations of %s, unlocked; N calibrated so all %d*N increments take "
            "~%s s in one thread (~10^6 per thread on CPython, ~10^8 on PyPy)"
            % (n, what, n, COUNTER_T),
            LOST[0], LOST[1])]))
for n in (2, 4):
    PROGRAMS.append(("cpu_threads.py", [str(n), CPU_PHASE, CPU_BLOCKS], [(
        "cpu-threads-%dt" % n, "C3", "ratio",
        "pure-Python integer loop: %d chunks run by %d threads vs the same %d chunks one after "
        "another in one thread; chunks calibrated so a sequential phase takes ~%s s; phases "
        "seq,thr,thr,seq x %s; ratio of sums" % (n, n, n, CPU_PHASE, CPU_BLOCKS),
        "threaded time / sequential time", "ratio")]))
PROGRAMS.append(("io_sleep.py", ["4", "5", "0.02"], [(
    "io-sleep-4t", "C4", "ratio",
    "4 threads each doing 5 x time.sleep(0.02) vs the same 20 sleeps in one thread",
    "threaded time / sequential time", "ratio")]))
PROGRAMS.append(("io_socket.py", ["4", "10", "0.02"], [(
    "io-socket-4t", "C4", "ratio",
    "4 threads each doing 10 round trips (send 1 byte, block in recv) on a socketpair whose peer "
    "thread answers after sleeping 20 ms, vs the same 40 round trips from one thread "
    "(Jython: TCP loopback with TCP_NODELAY instead of socketpair)",
    "threaded time / sequential time", "ratio")]))
for mode, label, desc in [
    ("alone", "alone", "nothing else running"),
    ("thread", "cpu-thread", "while a second thread of the same process runs a pure-Python CPU loop"),
    ("process", "cpu-process", "while the same CPU loop runs in a multiprocessing.Process (fork)"),
]:
    PROGRAMS.append(("asyncio_timer.py", [mode, "200", "0.001"], [
        ("asyncio-%s" % label, "C5" if mode == "alone" else "C6", "median_ms",
         "200 consecutive `await asyncio.sleep(0.001)` in asyncio.run(), %s; overshoot = measured "
         "duration - 1 ms; median of the 200" % desc,
         "median timer overshoot per run", "ms"),
        ("asyncio-%s-p90" % label, "C5" if mode == "alone" else "C6", "p90_ms",
         "as asyncio-%s, 90th percentile of the 200 overshoots" % label,
         "p90 timer overshoot per run", "ms"),
    ]))
PROGRAMS.append(("mp_cpu.py", ["2", MP_PHASE, MP_BLOCKS], [
    ("cpu-procs-2p", "C7", "procs_ratio",
     "pure-Python integer loop: 2 chunks run by 2 multiprocessing.Process (fork; start+join "
     "timed) vs one after another in one thread; chunks calibrated so a sequential phase takes "
     "~%s s; phases seq,thr,procs,procs,thr,seq x %s; ratio of sums" % (MP_PHASE, MP_BLOCKS),
     "processes time / sequential time", "ratio"),
    ("cpu-procs-vs-threads-2", "C7", "procs_vs_thr",
     "same runs as cpu-procs-2p: 2 processes vs 2 threads doing the same 2 chunks",
     "processes time / threaded time", "ratio"),
]))
PROGRAMS.append(("cext.py", ["sha", CEXT_PHASE, CEXT_BLOCKS], [(
    "cext-sha256-2t", "C8", "ratio",
    "hashlib.sha256 of a 16 MiB buffer, R times in each of 2 threads vs 2R times in one thread; "
    "R >= 1 calibrated so a sequential phase takes ~%s s; phases seq,thr,thr,seq x %s"
    % (CEXT_PHASE, CEXT_BLOCKS),
    "threaded time / sequential time", "ratio")]))
PROGRAMS.append(("cext.py", ["zlib", CEXT_PHASE, CEXT_BLOCKS], [(
    "cext-zlib-2t", "C8", "ratio",
    "zlib.compress (level 6) of a 4 MiB half-random buffer, R times in each of 2 threads vs 2R "
    "times in one thread; R >= 1 calibrated so a sequential phase takes ~%s s; phases "
    "seq,thr,thr,seq x %s" % (CEXT_PHASE, CEXT_BLOCKS),
    "threaded time / sequential time", "ratio")]))
PROGRAMS.append(("cext.py", ["mixed", MIXED_PHASE, MIXED_BLOCKS], [(
    "cext-sha256-beside-python", "C8", "rate_ratio",
    "pure-Python integer loop run for %s s alone and for %s s while a second thread loops "
    "hashlib.sha256 over a 16 MiB buffer; phases alone,beside,beside,alone x %s"
    % (MIXED_PHASE, MIXED_PHASE, MIXED_BLOCKS),
    "Python loop iterations/s beside hashing / alone (1 = no slowdown)", "ratio")]))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cpu_stat():
    """(busy jiffies, steal jiffies, total jiffies) from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq
    return busy, steal, busy + idle + iowait + steal


def foreign_now(interval=0.3):
    """Cores busy over `interval` s while no litmus program runs (i.e. other jobs' CPU use)."""
    b0 = cpu_stat()
    time.sleep(interval)
    b1 = cpu_stat()
    return (b1[0] - b0[0]) / os.sysconf("SC_CLK_TCK") / interval


class QuietWaiter:
    """Before each run, wait (at most per_run s, and `budget` s over the whole invocation) until
    other jobs use less than `threshold` cores, so fewer samples land on a busy machine."""

    def __init__(self, budget, per_run=20.0, threshold=0.3):
        self.budget, self.per_run, self.threshold = budget, per_run, threshold
        self.spent = 0.0

    def wait(self):
        t0 = time.monotonic()
        f = foreign_now()
        while f > self.threshold and self.spent + (time.monotonic() - t0) < self.budget \
                and time.monotonic() - t0 < self.per_run:
            time.sleep(1.7)
            f = foreign_now()
        waited = time.monotonic() - t0
        self.spent += max(0.0, waited - 0.3)  # the first 0.3 s probe is not waiting
        return round(f, 2), round(waited, 1)


def write_atomic(path, obj):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=d)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def probe_interpreters():
    found, notes = [], []
    for kind, path in INTERPRETERS:
        exe = shutil.which(path)
        if exe is None:
            notes.append("absent: %s" % path)
            print("skip interpreter (absent): %s" % path, file=sys.stderr)
            continue
        try:
            out = subprocess.run([exe, "-c", PROBE], capture_output=True, text=True, timeout=120,
                                 cwd=LITMUS_DIR)
            info = json.loads(out.stdout.strip().splitlines()[-1])
        except Exception as e:  # noqa: BLE001
            notes.append("probe failed: %s (%s)" % (path, e))
            print("skip interpreter (probe failed): %s: %s" % (path, e), file=sys.stderr)
            continue
        impl = info["implementation"]
        if impl == "PyPy":
            iid = "pypy-%s" % info["pypy"]
        elif impl == "Jython":
            iid = "jython-%s" % info["version"]
        else:
            iid = "cpython-%s-%s" % (info["version"], kind or "system")
        found.append({"id": iid, "path": exe, "implementation": impl, "version": info["version"],
                      "full": info["full"], "_pydebug": info["pydebug"]})
        print("interpreter %-24s %s  (%s)" % (iid, exe, info["full"]), file=sys.stderr)
    return found, notes


def run_one(interp, prog, args, timeout, waiter):
    cmd = [interp["path"], os.path.join(LITMUS_DIR, prog)] + args
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    foreign_before, waited = waiter.wait()
    ld = load1()
    st0 = cpu_stat()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    rec = {"interpreter": interp["id"], "program": prog, "args": args, "load1": ld,
           "foreign_cores_before": foreign_before, "waited_s": waited}
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=LITMUS_DIR,
                           env=env, start_new_session=True)
        rec["rc"] = p.returncode
        rec["stderr"] = p.stderr[-2000:]
        lines = [l for l in p.stdout.splitlines() if l.strip()]
        if p.returncode == 0 and len(lines) == 1:
            rec["out"] = json.loads(lines[0])
        else:
            rec["error"] = "rc=%d, %d stdout lines" % (p.returncode, len(lines))
            rec["stdout"] = p.stdout[-2000:]
    except subprocess.TimeoutExpired as e:
        rec["error"] = "timeout after %d s" % timeout
        rec["stdout"] = (e.stdout or b"")[-2000:].decode("utf-8", "replace") \
            if isinstance(e.stdout, bytes) else (e.stdout or "")[-2000:]
    except ValueError as e:
        rec["error"] = "bad JSON: %s" % e
    wall = time.monotonic() - t0
    st1 = cpu_stat()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    hz = os.sysconf("SC_CLK_TCK")
    child_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    busy = (st1[0] - st0[0]) / hz
    rec["wall"] = round(wall, 3)
    rec["child_cpu_s"] = round(child_cpu, 3)
    # CPU used by everything else on this machine during the run, in cores (0..ncpu)
    rec["foreign_cores"] = round(max(0.0, busy - child_cpu) / wall, 3) if wall > 0 else None
    # hypervisor steal during the run, in cores
    rec["steal_cores"] = round((st1[1] - st0[1]) / hz / wall, 3) if wall > 0 else None
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default=None)
    ap.add_argument("--out", default=os.path.join(HERE, "litmus.json"))
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--wait-budget", type=float, default=180.0,
                    help="total seconds the runner may spend waiting for other jobs to go idle "
                         "before runs (at most 20 s per run; 0 disables)")
    a = ap.parse_args()
    command = os.environ.get("LITMUS_COMMAND") or " ".join(
        ["bench/cpython/run.py"] + sys.argv[1:])

    selected = None
    if a.only:
        pats = [s.strip() for s in a.only.split(",") if s.strip()]
        selected = set()
        for _, _, outs in PROGRAMS:
            for o in outs:
                if any(o[0] == p or o[0].startswith(p) for p in pats):
                    selected.add(o[0])
        if not selected:
            sys.exit("no litmus id matches %r" % a.only)
    progs = [p for p in PROGRAMS if selected is None or any(o[0] in selected for o in p[2])]

    start = time.monotonic()
    machine = {"cores": os.cpu_count(), "cpu": cpu_model(), "kernel": platform.release(),
               "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    interps, notes = probe_interpreters()
    if not interps:
        sys.exit("no interpreter found")

    # results[(litmus id, interp id)] = {"samples": [...], "load": [...]} or {"skipped": ...}
    waiter = QuietWaiter(a.wait_budget)
    results = {}
    errors = {}
    raw = []
    skipped = {}  # (prog, args tuple, interp id) -> reason

    def build():
        lit = []
        for prog, args, outs in progs:
            for lid, claim, field, what, metric, unit in outs:
                if selected is not None and lid not in selected:
                    continue
                rs = []
                for it in interps:
                    key = (prog, tuple(args), it["id"])
                    r = results.get((lid, it["id"]))
                    if key in skipped:
                        rs.append({"interpreter": it["id"], "skipped": skipped[key]})
                    elif r and r["samples"]:
                        rs.append({"interpreter": it["id"], "samples": r["samples"],
                                   "load": r["load"]})
                    elif key in errors:
                        rs.append({"interpreter": it["id"],
                                   "skipped": "failed: %s" % errors[key]})
                lit.append({"id": lid, "claim": claim, "what": what, "metric": metric,
                            "unit": unit, "results": rs})
        data = {"command": command, "machine": machine,
                "interpreters": [{k: v for k, v in it.items() if not k.startswith("_")}
                                 for it in interps],
                "litmus": lit}
        rawdata = {"command": command, "machine": machine, "notes": notes,
                   "elapsed_s": round(time.monotonic() - start, 1),
                   "quiet_wait_spent_s": round(waiter.spent, 1), "runs": raw}
        return data, rawdata

    raw_path = a.out[:-5] + ".raw.json" if a.out.endswith(".json") else a.out + ".raw.json"
    n_interp = len(interps)
    for k in range(a.runs):
        order = interps[k % n_interp:] + interps[:k % n_interp]
        for prog, args, outs in progs:
            for it in order:
                key = (prog, tuple(args), it["id"])
                if key in skipped:
                    continue
                rec = run_one(it, prog, args, a.timeout, waiter)
                rec["round"] = k
                raw.append(rec)
                out = rec.get("out")
                if out is None:
                    errors[key] = rec.get("error", "?")
                    print("  [%d] %-18s %-22s %s ERROR %s" % (k, prog, " ".join(args), it["id"],
                                                              rec.get("error")), file=sys.stderr)
                    continue
                if "skipped" in out:
                    skipped[key] = out["skipped"]
                    print("  [%d] %-18s %-22s %s skipped: %s" % (k, prog, " ".join(args),
                                                                 it["id"], out["skipped"]),
                          file=sys.stderr)
                    continue
                vals = []
                for lid, _, field, _, _, _ in outs:
                    r = results.setdefault((lid, it["id"]), {"samples": [], "load": []})
                    r["samples"].append(out[field])
                    r["load"].append(rec["load1"])
                    vals.append("%s=%.4g" % (field, out[field]))
                print("  [%d] %-18s %-22s %-22s %s  (load %.2f, foreign %.2f->%.2f, waited %.0fs, "
                      "wall %.1fs)" % (
                    k, prog, " ".join(args), it["id"], " ".join(vals), rec["load1"],
                    rec["foreign_cores_before"], rec["foreign_cores"] or 0, rec["waited_s"],
                    rec["wall"]), file=sys.stderr)
        data, rawdata = build()
        write_atomic(a.out, data)
        write_atomic(raw_path, rawdata)
        print("round %d/%d done, %.0f s elapsed" % (k + 1, a.runs, time.monotonic() - start),
              file=sys.stderr)
    print("wrote %s and %s in %.0f s" % (a.out, raw_path, time.monotonic() - start),
          file=sys.stderr)


if __name__ == "__main__":
    main()
