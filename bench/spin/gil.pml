/*
 * gil.pml -- the GIL model of models/gil.rs (variant cpython-3.11) in Promela, so that SPIN and
 * gilcheck's explicit-state checker explore the same state graph.
 *
 * CPython 3.11: Python/ceval_gil.h (take_gil, drop_gil) polled by the eval breaker of
 * _PyEval_EvalFrameDefault (Python/ceval.c, eval_frame_handle_pending). Threads are CPU-bound
 * and loop forever (gilcheck's default: not --finite, no --spurious).
 *
 * Build-time macros (spin -DNAME or spin -DTHREADS=4 ...):
 *   THREADS          number of Python threads, 1..8 (default 3)
 *   NO_GIL           variant no-gil: take_gil takes the GIL even when it is locked (bad)
 *   NO_FORCE_SWITCH  variant no-force-switch: drop_gil returns without the switch_cond hand-off
 *   HANDOFF_UNDER_MUTEX  variant handoff-under-mutex: drop_gil keeps gil->mutex across the
 *                    hand-off wait (bad: take_gil then can never signal switch_cond: deadlock)
 *   NOLTL            leave out the ltl blocks (safety runs: with a never claim SPIN does not
 *                    report invalid end states, and the claim's state would change the counts)
 *
 * Equal state counts. Every gilcheck action (models/gil.rs, enum Action) is exactly one
 * Promela transition: one `d_step` option of the single `do` loop of proctype Thread. All
 * state lives in the global variables below, which are GilState field for field; each thread's
 * process sits at the `do` between steps, so the process counters add nothing to a state, and
 * the only local variable, the loop index `k`, is `hidden` (kept out of the state vector). There
 * is no init process (`active` proctype) and the threads never end, so SPIN's "states stored"
 * (-DNOREDUCE, exhaustive, no compression) is gilcheck's state count, and SPIN's transitions
 * minus one (SPIN also counts reaching the initial state) is gilcheck's transition count.
 *
 * Properties: GIL-S1 and GIL-S2 are assertions checked after every step (the initial state
 * satisfies both); GIL-S3 (no deadlock) is SPIN's invalid-end-state check (no end labels: a
 * state where no thread can move is an error); GIL-L1 and GIL-L2 are the ltl blocks l1 and l2,
 * checked with `pan -a -f -N l1` (weak fairness per process = gilcheck --fairness weak-thread).
 */

#ifndef THREADS
#define THREADS 3
#endif
#if THREADS < 1 || THREADS > 8
#error "THREADS must be 1..8"
#endif

/* gil.rs NOBODY: last_holder before any thread took the GIL (NULL in create_gil). */
#define NOBODY 255

/* gil.rs enum Pc, the variants reachable in cpython-3.11 when threads loop forever.
 * (After is always Retake; Detached, Done, ExitReset belong to other configurations.) */
mtype = {
    TAKE,       /* Pc::Take: about to call take_gil (lock gil->mutex) */
    WAIT,       /* Pc::Wait: in take_gil's COND_TIMED_WAIT on gil->cond */
    ACQUIRED,   /* Pc::Acquired: took the GIL, still holds gil->mutex, about to reset the request */
    EVAL,       /* Pc::Eval: holds the GIL, runs bytecode between poll points */
    RELEASE,    /* Pc::Release: about to run drop_gil's release (locked = 0, signal cond) */
    HREAD,      /* Pc::HandoffRead: drop_gil, FORCE_SWITCHING reads gil_drop_request */
    HLOCK,      /* Pc::HandoffLock: drop_gil, about to lock switch_mutex and test last_holder */
    SWAIT       /* Pc::SwitchWait: drop_gil's COND_WAIT on switch_cond */
};

/* ---- GilState ------------------------------------------------------------------------------ */
bit   locked;                   /* gil->locked */
bit   drop_request;             /* gil_drop_request (interp->ceval.gil_drop_request) */
byte  last_holder = NOBODY;     /* gil->last_holder as a thread index */
mtype pc[THREADS] = TAKE;       /* each thread's Pc */
/* The fields of Pc::Wait and Pc::SwitchWait; 0 whenever the thread is elsewhere, so that
 * (pc, notified, switched) is one-to-one with gil.rs's Pc. switch_number itself is abstracted
 * as in gil.rs: a waiter only ever compares it with the value it saved, so it keeps one bit. */
bit   notified[THREADS];        /* WAIT: a COND_SIGNAL(cond) chose it; SWAIT: take_gil signalled switch_cond */
bit   switched[THREADS];        /* WAIT: switch_number changed since its wait began */

hidden byte k;                  /* loop index inside d_steps: hidden, so not in the state vector */

/* ---- quantifiers over threads, expanded by the C preprocessor --------------------------------- */
#if THREADS == 1
#define ALL(P) (P(0))
#define SUM(P) (P(0))
#elif THREADS == 2
#define ALL(P) (P(0) && P(1))
#define SUM(P) (P(0) + P(1))
#elif THREADS == 3
#define ALL(P) (P(0) && P(1) && P(2))
#define SUM(P) (P(0) + P(1) + P(2))
#elif THREADS == 4
#define ALL(P) (P(0) && P(1) && P(2) && P(3))
#define SUM(P) (P(0) + P(1) + P(2) + P(3))
#elif THREADS == 5
#define ALL(P) (P(0) && P(1) && P(2) && P(3) && P(4))
#define SUM(P) (P(0) + P(1) + P(2) + P(3) + P(4))
#elif THREADS == 6
#define ALL(P) (P(0) && P(1) && P(2) && P(3) && P(4) && P(5))
#define SUM(P) (P(0) + P(1) + P(2) + P(3) + P(4) + P(5))
#elif THREADS == 7
#define ALL(P) (P(0) && P(1) && P(2) && P(3) && P(4) && P(5) && P(6))
#define SUM(P) (P(0) + P(1) + P(2) + P(3) + P(4) + P(5) + P(6))
#else
#define ALL(P) (P(0) && P(1) && P(2) && P(3) && P(4) && P(5) && P(6) && P(7))
#define SUM(P) (P(0) + P(1) + P(2) + P(3) + P(4) + P(5) + P(6) + P(7))
#endif

/* gil.rs mutex_held: a thread in Acquired holds gil->mutex across steps; in the bad variant
 * handoff-under-mutex, drop_gil also keeps it through the whole FORCE_SWITCHING hand-off. */
#ifdef HANDOFF_UNDER_MUTEX
#define HOLDS_MUTEX(i)        (pc[i] == ACQUIRED || pc[i] == HREAD || pc[i] == HLOCK || pc[i] == SWAIT)
#else
#define HOLDS_MUTEX(i)        (pc[i] == ACQUIRED)
#endif
#define NOT_HOLDS_MUTEX(i)    (!HOLDS_MUTEX(i))
#define MUTEX_FREE            ALL(NOT_HOLDS_MUTEX)
/* A waiter that no COND_SIGNAL has chosen yet (a candidate for Release's wake-up). */
#define FRESH_WAITER(i)       (pc[i] == WAIT && !notified[i])
#define NOT_FRESH_WAITER(i)   (!FRESH_WAITER(i))
/* gil.rs holds_gil: between returning from take_gil and drop_gil setting locked = 0. */
#define HOLDS(i)              (pc[i] == ACQUIRED || pc[i] == EVAL || pc[i] == RELEASE)
#define HOLDS01(i)            (HOLDS(i) -> 1 : 0)
/* GIL-S2 for one thread: only the holder (locked, last_holder is itself) runs bytecode. */
#define S2_OK(i)              (pc[i] != EVAL || (locked && last_holder == i))
/* gil.rs owed_gil: a drop request is pending and no switch happened since its wait began. */
#define OWED(i)               (drop_request && pc[i] == WAIT && !switched[i])

#ifdef NO_GIL
#define EXCLUDES 0              /* no-gil: take_gil ignores locked */
#else
#define EXCLUDES 1
#endif

/* GIL-S1 and GIL-S2, asserted at the end of every step. */
#define SAFETY_CHECK \
    assert(SUM(HOLDS01) <= 1);  /* GIL-S1: at most one thread holds the GIL */ \
    assert(ALL(S2_OK))          /* GIL-S2: only the GIL holder executes bytecode */

/* gil.rs Gil::acquire, take_gil from `_ready:` on. The caller holds gil->mutex; lock
 * switch_mutex, locked = 1, last_holder = me and ++switch_number if it changes (every waiter
 * sees the switch), COND_SIGNAL(switch_cond) (every hand-off waiter is notified), unlock
 * switch_mutex. The thread keeps gil->mutex (Acquired). */
inline acquire(t) {
    locked = 1;
    if
    :: last_holder != t ->
        last_holder = t;
        for (k : 0 .. THREADS - 1) {
            if
            :: pc[k] == WAIT -> switched[k] = 1
            :: else
            fi
        }
    :: else
    fi;
    for (k : 0 .. THREADS - 1) {
        if
        :: pc[k] == SWAIT -> notified[k] = 1
        :: else
        fi
    }
    pc[t] = ACQUIRED; notified[t] = 0; switched[t] = 0
}

/* Where drop_gil's release (Action::Release) goes: the hand-off, or straight back to take_gil. */
#ifdef NO_FORCE_SWITCH
#define AFTER_RELEASE TAKE
#else
#define AFTER_RELEASE HREAD
#endif

/* Action::Release { woken: Thread(w) }: drop_gil locks gil->mutex, locked = 0,
 * COND_SIGNAL(cond) wakes waiter w (any waiter not yet chosen: the OS picks, not FIFO),
 * unlocks. One option per w, enabled only when w is such a waiter. */
#define RELEASE_WAKING(w) \
    :: d_step { pc[me] == RELEASE && MUTEX_FREE && FRESH_WAITER(w) -> \
           locked = 0; notified[w] = 1; pc[me] = AFTER_RELEASE; SAFETY_CHECK }

#define me _pid                 /* the thread: active processes are numbered 0 .. THREADS-1 */

active [THREADS] proctype Thread()
{
    do
    /* ---- take_gil (Python/ceval_gil.h) ------------------------------------------------- */

    /* Action::TakeFree: take_gil locks gil->mutex, finds the GIL free (locked == 0) and takes
     * it (Gil::acquire). no-gil: takes it even when locked. */
    :: d_step { pc[me] == TAKE && MUTEX_FREE && (!locked || !EXCLUDES) ->
           acquire(me); SAFETY_CHECK }

    /* Action::TakeBlock: take_gil locks gil->mutex, the GIL is held: save switch_number and
     * start COND_TIMED_WAIT(cond, mutex, interval) (Pc::Wait, not notified, not switched). */
    :: d_step { pc[me] == TAKE && MUTEX_FREE && locked && EXCLUDES ->
           pc[me] = WAIT; notified[me] = 0; switched[me] = 0; SAFETY_CHECK }

    /* Action::Wake { timed_out, requests: true, acquires: false }: the timed wait times out
     * (re-locking gil->mutex), the GIL is still held and switch_number has not changed:
     * SET_GIL_DROP_REQUEST, then wait again with a freshly saved switch_number. */
    :: d_step { pc[me] == WAIT && MUTEX_FREE && locked && !switched[me] ->
           drop_request = 1; notified[me] = 0; switched[me] = 0; SAFETY_CHECK }

    /* Action::Wake { timed_out, requests: false, acquires: false }: timed out, GIL held, but a
     * switch happened since the wait began: no request; wait again. */
    :: d_step { pc[me] == WAIT && MUTEX_FREE && locked && switched[me] ->
           notified[me] = 0; switched[me] = 0; SAFETY_CHECK }

    /* Action::Wake { timed_out, acquires: true }: timed out and the GIL is free: leave the
     * loop `while (locked)` and take it. */
    :: d_step { pc[me] == WAIT && MUTEX_FREE && !locked ->
           acquire(me); SAFETY_CHECK }

    /* Action::Wake { timed_out: false, acquires: false }: a COND_SIGNAL(cond) chose this waiter
     * but another thread took the GIL first: wait again (no request: not a timeout). */
    :: d_step { pc[me] == WAIT && MUTEX_FREE && notified[me] && locked ->
           notified[me] = 0; switched[me] = 0; SAFETY_CHECK }

    /* Action::Wake { timed_out: false, acquires: true }: signalled and the GIL is free: take it.
     * (Same successor as the timed-out wake above, but a different gilcheck action, so also a
     * different transition here.) */
    :: d_step { pc[me] == WAIT && MUTEX_FREE && notified[me] && !locked ->
           acquire(me); SAFETY_CHECK }

    /* Action::ClearRequest: take_gil's tail, RESET_GIL_DROP_REQUEST (still under gil->mutex),
     * then MUTEX_UNLOCK(gil->mutex); the thread returns to the eval loop. */
    :: d_step { pc[me] == ACQUIRED ->
           drop_request = 0; pc[me] = EVAL; SAFETY_CHECK }

    /* ---- _PyEval_EvalFrameDefault (Python/ceval.c) ------------------------------------- */

    /* Action::Poll { request: true }: CHECK_EVAL_BREAKER at a poll point sees the drop request;
     * eval_frame_handle_pending calls drop_gil. */
    :: d_step { pc[me] == EVAL && drop_request ->
           pc[me] = RELEASE; SAFETY_CHECK }

    /* Action::Poll { request: false }: a poll point with no request: keep running bytecode
     * (a self-loop, as in gilcheck). */
    :: d_step { pc[me] == EVAL && !drop_request ->
           skip; SAFETY_CHECK }

    /* ---- drop_gil (Python/ceval_gil.h) ------------------------------------------------- */

    /* Action::Release { woken: Thread(w) }, one option per possible waiter w. */
    RELEASE_WAKING(0)
#if THREADS > 1
    RELEASE_WAKING(1)
#endif
#if THREADS > 2
    RELEASE_WAKING(2)
#endif
#if THREADS > 3
    RELEASE_WAKING(3)
#endif
#if THREADS > 4
    RELEASE_WAKING(4)
#endif
#if THREADS > 5
    RELEASE_WAKING(5)
#endif
#if THREADS > 6
    RELEASE_WAKING(6)
#endif
#if THREADS > 7
    RELEASE_WAKING(7)
#endif

    /* Action::Release { woken: Nobody }: drop_gil releases with no waiter left to choose
     * (none waits, or every waiter was already signalled): the signal is lost. */
    :: d_step { pc[me] == RELEASE && MUTEX_FREE && ALL(NOT_FRESH_WAITER) ->
           locked = 0; pc[me] = AFTER_RELEASE; SAFETY_CHECK }

    /* Action::HandoffRead { request: true }: FORCE_SWITCHING, the relaxed read of
     * gil_drop_request sees it set: go on to lock switch_mutex. */
    :: d_step { pc[me] == HREAD && drop_request ->
           pc[me] = HLOCK; SAFETY_CHECK }

    /* Action::HandoffRead { request: false }: no request: drop_gil returns (take_gil again). */
    :: d_step { pc[me] == HREAD && !drop_request ->
           pc[me] = TAKE; SAFETY_CHECK }

    /* Action::HandoffLock { waits: true }: MUTEX_LOCK(switch_mutex); last_holder is still me:
     * RESET_GIL_DROP_REQUEST and COND_WAIT(switch_cond, switch_mutex). */
    :: d_step { pc[me] == HLOCK && last_holder == me ->
           drop_request = 0; pc[me] = SWAIT; notified[me] = 0; SAFETY_CHECK }

    /* Action::HandoffLock { waits: false }: another thread took the GIL already: unlock
     * switch_mutex, drop_gil returns. */
    :: d_step { pc[me] == HLOCK && last_holder != me ->
           pc[me] = TAKE; SAFETY_CHECK }

    /* Action::SwitchWake: the switch_cond wait returns, signalled by take_gil (no spurious
     * wake-ups); unlock switch_mutex, drop_gil returns. */
    :: d_step { pc[me] == SWAIT && notified[me] ->
           pc[me] = TAKE; notified[me] = 0; SAFETY_CHECK }
    od
}

/* ---- liveness (gil.rs properties GIL-L1, GIL-L2), per thread and conjoined ----------------- */
#define RUNS(i)    (pc[i] == EVAL)
#define L1_T(i)    ([]<> RUNS(i))
#define L2_T(i)    ([] (OWED(i) -> <> RUNS(i)))

#ifndef NOLTL   /* spin -DNOLTL: no never claim, for the safety runs (deadlock checking needs none) */
/* GIL-L1: every thread executes bytecode infinitely often. */
ltl l1 { ALL(L1_T) }

/* GIL-L2: a waiter owed the GIL (a drop request pending, no switch since its wait began)
 * eventually holds it (runs bytecode): it is not bypassed forever. */
ltl l2 { ALL(L2_T) }
#endif
