#!/usr/bin/env python3
"""fair_claim.py THREADS PROP [each|one] -- a Promela never claim (on stdout) that accepts
exactly the runs of gil.pml that are strongly fair per thread and violate PROP, a leads-to
property `PROP_FROM(t) ~> PROP_TO(t)` of gil.pml (for every thread t with `each`, for t = 0 with
`one`). run.sh appends it to gil.pml (compiled with -DNOLTL) and runs `pan -a`.

Why not an ltl block: strong fairness per thread t is `[]<> enabled(t) -> []<> (_last == t)`,
one Streett pair per thread, and SPIN 6.5.2's LTL translator does not finish
`(SF_0 && SF_1 && SF_2) -> []<> x` in a minute (two pairs take 3 s, 24 claim states). The
claim below is the standard Buchi automaton for Streett pairs with the set of given-up threads
guessed, built directly:

  start: loops; when FROM(t) && !TO(t) holds it may move to round (t, D = {}, turn 0).
  round (t, D, j): every step needs !TO(t) and !enabled(i) for each i in D (the threads the
  claim has guessed are never enabled again). At thread j's turn: if j moved last (_last == j)
  the turn passes to the next thread not in D; if j is disabled now the claim may instead put j
  into D (for good) and pass the turn; otherwise it waits. After the last thread's turn comes
  the accepting state accept_t<t>_d<D>, then turn 0 again.

An accepting run sees, from some point on, TO(t) never again (after FROM(t)), every thread in D
never enabled, and every other thread moving infinitely often: strong fairness holds for every
thread, and the property fails. Conversely, on a strongly fair violating run the claim waits
until every thread that is eventually never enabled is disabled for good, puts exactly those
into D at their turns, and passes every other turn infinitely often. A run that stops (a
deadlock) is extended by SPIN's stutter step, as gilcheck lets a stopped run stay in its last
state: there every thread is disabled and the claim can give them all up and accept.
Size: threads x 2^threads x (threads + 1) states at most (one `t` with `one`).
fair_toy.pml checks the encoding by hand on a case where weak and strong fairness differ.
"""
import sys


def main():
    n, prop, scope = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    targets = range(n) if scope == "each" else [0]
    full = (1 << n) - 1

    def turns(d):
        return [j for j in range(n) if not d >> j & 1]

    def state(t, d, j):
        """The claim state of turn j in round (t, d); the accepting state when j is None."""
        return f"accept_t{t}_d{d}" if j is None else f"t{t}_d{d}_j{j}"

    def after(t, d, j):
        """The state after thread j's turn passes in round (t, d)."""
        later = [i for i in turns(d) if i > j]
        return state(t, d, later[0] if later else None)

    def keep(t, d):
        """What every step of round (t, d) needs."""
        parts = [f"!{prop}_TO({t})"] + [f"!enabled({i})" for i in range(n) if d >> i & 1]
        return "(" + " && ".join(parts) + ")"

    out = [f"/* strong fairness per thread ({n} threads) and not {prop}: see fair_claim.py */",
           "never {", "start:", "    do", "    :: true"]
    for t in targets:
        out.append(f"    :: ({prop}_FROM({t}) && !{prop}_TO({t})) -> goto {state(t, 0, 0)}")
    out.append("    od;")
    for t in targets:
        for d in range(full + 1):
            for j in turns(d):
                here = state(t, d, j)
                out += [
                    f"{here}:",
                    "    if",
                    f"    :: {keep(t, d)} && _last == {j} -> goto {after(t, d, j)}",
                    f"    :: {keep(t, d)} && _last != {j} -> goto {here}",
                    f"    :: {keep(t, d)} && !enabled({j}) -> goto {after(t, d | 1 << j, j)}",
                    "    fi;",
                ]
            first = turns(d)
            out += [
                f"{state(t, d, None)}:",
                "    if",
                f"    :: {keep(t, d)} -> goto {state(t, d, first[0] if first else None)}",
                "    fi;",
            ]
    out.append("}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
