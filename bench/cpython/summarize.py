#!/usr/bin/python3.11
"""Print median [min..max] per litmus x interpreter from litmus.json (and, from the .raw.json
next to it, how busy the machine was).
usage: summarize.py [litmus.json] [--md] [--quiet=X]
  --quiet=X  use only the runs (from the .raw.json) during which other jobs used < X cores,
             and show the number of such runs per cell as "(n)"."""
import json
import os
import statistics
import sys


def short(iid):
    return (iid.replace("cpython-", "").replace("-debian", "deb").replace("-pyenv", "")
            .replace("pypy-", "pypy").replace("jython-", "jy"))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    md = "--md" in sys.argv
    path = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             "litmus.json")
    d = json.load(open(path))
    quiet = None
    for a in sys.argv[1:]:
        if a.startswith("--quiet="):
            quiet = float(a.split("=", 1)[1])
    qsamples = {}
    if quiet is not None:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import run  # noqa: E402  (for the program -> litmus id mapping)
        fields = {}
        for prog, pargs, outs in run.PROGRAMS:
            for o in outs:
                fields.setdefault((prog, tuple(pargs)), []).append((o[0], o[2]))
        for x in json.load(open(path[:-5] + ".raw.json"))["runs"]:
            o = x.get("out")
            if not o or "skipped" in o or (x.get("foreign_cores") or 0) >= quiet:
                continue
            for lid, field in fields.get((x["program"], tuple(x["args"])), []):
                qsamples.setdefault((lid, x["interpreter"]), []).append(o[field])
    ids = [i["id"] for i in d["interpreters"]]
    cols = [short(i) for i in ids]
    if md:
        print("| litmus (claim, unit) | " + " | ".join(cols) + " |")
        print("|---|" + "---|" * len(cols))
    else:
        print("%-28s " % "litmus" + " ".join("%-19s" % c for c in cols))
    for lit in d["litmus"]:
        cells = []
        by = {r["interpreter"]: r for r in lit["results"]}
        for i in ids:
            r = by.get(i)
            if r is None:
                cells.append("-")
            elif "skipped" in r:
                cells.append("skip")
            else:
                s = r["samples"] if quiet is None else qsamples.get((lit["id"], i), [])
                fmt = "%.2f" if lit["unit"] != "%" else "%.1f"
                if not s:
                    cells.append("(0)")
                    continue
                cells.append((fmt % statistics.median(s)) + " [" + (fmt % min(s)) + ".." +
                             (fmt % max(s)) + "]" + ("" if quiet is None else "(%d)" % len(s)))
        name = "%s (%s, %s)" % (lit["id"], lit["claim"], lit["unit"])
        if md:
            print("| " + name + " | " + " | ".join(cells) + " |")
        else:
            print("%-28s " % lit["id"] + " ".join("%-19s" % c for c in cells))
    raw = path[:-5] + ".raw.json"
    if os.path.exists(raw):
        r = json.load(open(raw))
        print()
        print("elapsed %.0f s, quiet-wait %.0f s; runs with other jobs using >0.5 core: " % (
            r["elapsed_s"], r.get("quiet_wait_spent_s", 0)), end="")
        runs = [x for x in r["runs"] if "out" in x and "skipped" not in x["out"]]
        busy = [x for x in runs if (x.get("foreign_cores") or 0) > 0.5]
        print("%d of %d" % (len(busy), len(runs)))
        loads = [x["load1"] for x in runs]
        print("1-min load at run start: median %.2f, range %.2f..%.2f" % (
            statistics.median(loads), min(loads), max(loads)))


if __name__ == "__main__":
    main()
