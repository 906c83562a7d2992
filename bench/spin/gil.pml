/*
 * gil.pml -- the GIL model of models/gil/ in Promela, so that SPIN and gilcheck's
 * explicit-state checker explore the same state graph.
 *
 * CPython 3.11: Python/ceval_gil.h (take_gil, drop_gil) polled by the eval breaker of
 * _PyEval_EvalFrameDefault (Python/ceval.c, eval_frame_handle_pending). Threads are CPU-bound
 * and loop forever (gilcheck's default: not --finite; --finite is not modelled here).
 *
 * Build-time macros (spin -DNAME or spin -DTHREADS=4 ...). One variant macro at most; none is
 * the variant cpython-3.11:
 *   THREADS          number of Python threads, 1..8 (default 3)
 *   NO_GIL           no-gil: take_gil takes the GIL even when it is locked (bad)
 *   NO_FORCE_SWITCH  no-force-switch: drop_gil returns without the switch_cond hand-off
 *   NO_POLL          no-poll: the holder never reaches a poll point (bad)
 *   HANDOFF_UNDER_MUTEX  handoff-under-mutex: drop_gil keeps gil->mutex across the hand-off
 *                    wait (bad: take_gil then can never signal switch_cond: deadlock)
 *   LEGACY_27        legacy-2.7: a lock released and re-taken every check interval (Tick); no
 *                    timed wait, no drop request, no hand-off
 *   SHUTDOWN_392     gh-96387-3.9.2: T0 (the main thread) may start Py_FinalizeEx; a daemon
 *                    thread then exits in take_gil (tstate_must_exit) and may leave its drop
 *                    request set, so that T0 waits in drop_gil's hand-off for nobody
 *   SHUTDOWN_3112    gh-96387-3.11.2: as 3.9.2, but the exiting waiter that set the request
 *                    unlocks gil->mutex, then resets it (Pc::ExitReset), then exits
 *   SHUTDOWN_RESET_UNDER_MUTEX  gh-96387-reset-under-mutex: the exiting waiter resets the
 *                    request it set before unlocking gil->mutex (not CPython's order)
 *   SPURIOUS         --spurious: condition waits (cond, switch_cond) may return unsignalled
 *   NOLTL            leave out the ltl blocks (safety runs: with a never claim SPIN does not
 *                    report invalid end states, and the claim's state would change the counts;
 *                    also for runs that append their own never claim, see run.sh)
 *   WITNESSES        replace the GIL-S1/S2 assertions by two that fail exactly on a witness
 *                    step of GIL-R1 (text mentions last_holder) and GIL-R2 (drop_request)
 *   COUNT_BYPASS     add the global `acquirer` (thread + 1 when the step just taken acquired
 *                    the GIL, else 0), for ltl b1 (GIL-B1); it changes the state counts
 *
 * Equal state counts. Every gilcheck action (models/gil/protocol.rs, enum Action) is exactly one
 * Promela transition: one `d_step` option of the single `do` loop of proctype Thread. All
 * state lives in the global variables below, which are GilState field for field; each thread's
 * process sits at the `do` between steps, so the process counters add nothing to a state, and
 * the only local variables, the loop index `k` and `acq_now`, are `hidden` (kept out of the
 * state vector). There is no init process (`active` proctype) and the threads never end (a
 * thread that is Done stays in the loop with no option enabled), so SPIN's "states stored"
 * (-DNOREDUCE, exhaustive, no compression) is gilcheck's state count, and SPIN's transitions
 * minus one (SPIN also counts reaching the initial state) is gilcheck's transition count.
 *
 * Properties: GIL-S1 and GIL-S2 are assertions checked after every step (the initial state
 * satisfies both); GIL-S3 (no deadlock) is SPIN's invalid-end-state check (no end labels: a
 * state where no thread can move is an error; no variant here has a final state, since T0 never
 * ends); GIL-R1 and GIL-R2 are the WITNESSES assertions; GIL-L1..L4 and GIL-X1 are the ltl
 * blocks l1..l4 and x1 (for weak fairness, `pan -a -f`), and their trigger/response macros
 * <P>_FROM(i) and <P>_TO(i) below are what run.sh's generated strong-fairness never claims test;
 * GIL-B1 is ltl b1 (with COUNT_BYPASS, no fairness).
 */

#ifndef THREADS
#define THREADS 3
#endif
#if THREADS < 1 || THREADS > 8
#error "THREADS must be 1..8"
#endif

#if defined(SHUTDOWN_392) || defined(SHUTDOWN_3112) || defined(SHUTDOWN_RESET_UNDER_MUTEX)
#define FINALIZES               /* gil.rs GilVariant::finalizes */
#endif
#if defined(SHUTDOWN_3112) || defined(SHUTDOWN_RESET_UNDER_MUTEX)
#define TRACKS 1                /* gil.rs tracks_request: take_gil remembers its drop request */
#else
#define TRACKS 0
#endif
#ifdef SPURIOUS
#define SPUR 1
#else
#define SPUR 0
#endif
#ifdef LEGACY_27
#define NEW_GIL 0               /* gil.rs is_new_gil */
#else
#define NEW_GIL 1
#endif

/* gil.rs NOBODY: last_holder before any thread took the GIL (NULL in create_gil). */
#define NOBODY 255

/* gil.rs enum Pc. Wait's and SwitchWait's fields, and the After of the drop_gil pcs, are in the
 * arrays below. (Detached belongs to models built on the GIL.) */
mtype = {
    TAKE,       /* Pc::Take: about to call take_gil (lock gil->mutex) */
    WAIT,       /* Pc::Wait: in take_gil's COND_TIMED_WAIT on gil->cond */
    EXITRESET,  /* Pc::ExitReset: 3.11.2, exiting daemon, mutex released, about to reset */
    ACQUIRED,   /* Pc::Acquired: took the GIL, still holds gil->mutex, about to reset the request */
    EVAL,       /* Pc::Eval: holds the GIL, runs bytecode between poll points */
    RELEASE,    /* Pc::Release: about to run drop_gil's release (locked = 0, signal cond) */
    HREAD,      /* Pc::HandoffRead: drop_gil, FORCE_SWITCHING reads gil_drop_request */
    HLOCK,      /* Pc::HandoffLock: drop_gil, about to lock switch_mutex and test last_holder */
    SWAIT,      /* Pc::SwitchWait: drop_gil's COND_WAIT on switch_cond */
    DONE        /* Pc::Done: the (daemon) thread has exited */
};

/* ---- GilState ------------------------------------------------------------------------------ */
bit   locked;                   /* gil->locked */
bit   drop_request;             /* gil_drop_request (interp->ceval.gil_drop_request) */
byte  last_holder = NOBODY;     /* gil->last_holder as a thread index */
mtype pc[THREADS] = TAKE;       /* each thread's Pc */
/* The fields of Pc::Wait and Pc::SwitchWait; 0 whenever the thread is elsewhere, so that
 * (pc, notified, switched, requested, exiting) is one-to-one with gil.rs's Pc. switch_number
 * itself is abstracted as in gil.rs: a waiter only ever compares it with the value it saved, so
 * it keeps one bit. */
bit   notified[THREADS];        /* WAIT: a COND_SIGNAL(cond) chose it; SWAIT: take_gil signalled switch_cond */
bit   switched[THREADS];        /* WAIT: switch_number changed since its wait began */
#ifdef FINALIZES
bit   finalizing;               /* GilState::finalizing: Py_FinalizeEx has started */
bit   requested[THREADS];       /* WAIT: this take_gil call set the drop request (TRACKS only) */
bit   exiting[THREADS];         /* RELEASE, HREAD, HLOCK, SWAIT: After::Exit (else After::Retake) */
#endif
#ifdef COUNT_BYPASS
byte  acquirer;                 /* thread + 1 if the last step acquired the GIL, else 0 */
#endif

hidden byte k;                  /* loop index inside d_steps: hidden, so not in the state vector */
hidden byte acq_now;            /* COUNT_BYPASS: set by acquire, moved to acquirer at the step's end */

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

#ifdef FINALIZES
/* gil.rs must_exit (tstate_must_exit): a daemon thread (not T0) during finalization. */
#define MUST_EXIT(i)          (finalizing && (i) != 0)
/* gil.rs after_drop: where drop_gil returns to (After::Exit: Done; After::Retake: Take). */
#define AFTER_DROP(i)         pc[i] = (exiting[i] -> DONE : TAKE); exiting[i] = 0
#define CLEAR_REQUESTED(i)    requested[i] = 0
#else
#define MUST_EXIT(i)          0
#define AFTER_DROP(i)         pc[i] = TAKE
#define CLEAR_REQUESTED(i)    skip
#endif

#ifdef COUNT_BYPASS
#define COUNT_STEP            acquirer = acq_now; acq_now = 0
#else
#define COUNT_STEP            skip
#endif

/* The end of every step: GIL-S1 and GIL-S2 asserted (or, with WITNESSES, nothing). */
#ifdef WITNESSES
#define END_STEP              COUNT_STEP
#else
#define END_STEP \
    COUNT_STEP; \
    assert(SUM(HOLDS01) <= 1);  /* GIL-S1: at most one thread holds the GIL */ \
    assert(ALL(S2_OK))          /* GIL-S2: only the GIL holder executes bytecode */
#endif

/* gil.rs Gil::acquire, take_gil from `_ready:` on. The caller holds gil->mutex; lock
 * switch_mutex, locked = 1, last_holder = me and ++switch_number if it changes (every waiter
 * sees the switch), COND_SIGNAL(switch_cond) (every hand-off waiter is notified), unlock
 * switch_mutex. The thread keeps gil->mutex (Acquired; 2.7 runs at once: Eval). */
inline acquire(t) {
#ifdef WITNESSES
    /* GIL-R1's witness: the GIL passes from one thread to a different one. */
    assert(last_holder == NOBODY || last_holder == t);
#endif
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
    pc[t] = (NEW_GIL -> ACQUIRED : EVAL); notified[t] = 0; switched[t] = 0; CLEAR_REQUESTED(t);
    acq_now = t + 1
}

/* Where drop_gil's release (Action::Release) goes: the hand-off, or out of drop_gil. */
#if defined(NO_FORCE_SWITCH) || defined(LEGACY_27)
#define AFTER_RELEASE(i)      AFTER_DROP(i)
#else
#define AFTER_RELEASE(i)      pc[i] = HREAD
#endif

/* Action::Release { woken: Thread(w) }: drop_gil locks gil->mutex, locked = 0,
 * COND_SIGNAL(cond) wakes waiter w (any waiter not yet chosen: the OS picks, not FIFO),
 * unlocks. One option per w, enabled only when w is such a waiter. */
#define RELEASE_WAKING(w) \
    :: d_step { pc[me] == RELEASE && MUTEX_FREE && FRESH_WAITER(w) -> \
           locked = 0; notified[w] = 1; AFTER_RELEASE(me); END_STEP }

#define me _pid                 /* the thread: active processes are numbered 0 .. THREADS-1 */

active [THREADS] proctype Thread()
{
    do
    /* ---- take_gil (Python/ceval_gil.h) ------------------------------------------------- */

#ifdef FINALIZES
    /* Action::ShutdownExit { reset: false } from Take (check A): on entry, before locking
     * gil->mutex, the runtime is finalizing: the daemon thread exits. */
    :: d_step { pc[me] == TAKE && MUST_EXIT(me) ->
           pc[me] = DONE; END_STEP }
#endif

    /* Action::TakeFree: take_gil locks gil->mutex, finds the GIL free (locked == 0) and takes
     * it (Gil::acquire). no-gil: takes it even when locked. */
    :: d_step { pc[me] == TAKE && !MUST_EXIT(me) && MUTEX_FREE && (!locked || !EXCLUDES) ->
           acquire(me); END_STEP }

    /* Action::TakeBlock: take_gil locks gil->mutex, the GIL is held: save switch_number and
     * start COND_TIMED_WAIT(cond, mutex, interval) (Pc::Wait, nothing noted yet). */
    :: d_step { pc[me] == TAKE && !MUST_EXIT(me) && MUTEX_FREE && locked && EXCLUDES ->
           pc[me] = WAIT; notified[me] = 0; switched[me] = 0; CLEAR_REQUESTED(me); END_STEP }

#ifdef FINALIZES
    /* Action::ShutdownExit from Wait (check B): the timed wait times out with the GIL held and
     * no switch (where it would set the drop request), and the runtime is finalizing: exit.
     * reset-under-mutex: first reset the request this call set (reset: true); 3.11.2: go on to
     * ExitReset if it set one; 3.9.2: exit, leaving any request set. */
    :: d_step { pc[me] == WAIT && MUTEX_FREE && MUST_EXIT(me) && locked && !switched[me] ->
#ifdef SHUTDOWN_RESET_UNDER_MUTEX
           if
           :: requested[me] -> drop_request = 0
           :: else
           fi;
#endif
#ifdef SHUTDOWN_3112
           pc[me] = (requested[me] -> EXITRESET : DONE);
#else
           pc[me] = DONE;
#endif
           notified[me] = 0; switched[me] = 0; requested[me] = 0; END_STEP }
#endif

    /* Action::Wake { timed_out, requests: true, acquires: false }: the timed wait times out
     * (re-locking gil->mutex), the GIL is still held and switch_number has not changed:
     * SET_GIL_DROP_REQUEST, then wait again with a freshly saved switch_number (and, in the
     * gh-96387 fixes, remember that this call set the request). */
    :: d_step { pc[me] == WAIT && NEW_GIL && MUTEX_FREE && !MUST_EXIT(me) && locked && !switched[me] ->
           drop_request = 1; notified[me] = 0; switched[me] = 0;
#ifdef FINALIZES
           requested[me] = (requested[me] || TRACKS);
#endif
           END_STEP }

    /* Action::Wake { timed_out, requests: false, acquires: false }: timed out, GIL held, but a
     * switch happened since the wait began: no request; wait again. */
    :: d_step { pc[me] == WAIT && NEW_GIL && MUTEX_FREE && locked && switched[me] ->
           notified[me] = 0; switched[me] = 0; END_STEP }

    /* Action::Wake { timed_out, acquires: true }: timed out and the GIL is free: leave the
     * loop `while (locked)` and take it. */
    :: d_step { pc[me] == WAIT && NEW_GIL && MUTEX_FREE && !locked ->
           acquire(me); END_STEP }

    /* Action::Wake { timed_out: false, acquires: false }: a COND_SIGNAL(cond) chose this waiter
     * (or, with SPURIOUS, it wakes unsignalled) but the GIL is held: wait again (no request:
     * not a timeout). */
    :: d_step { pc[me] == WAIT && MUTEX_FREE && (notified[me] || SPUR) && locked ->
           notified[me] = 0; switched[me] = 0; END_STEP }

    /* Action::Wake { timed_out: false, acquires: true }: signalled (or spuriously woken) and the
     * GIL is free: take it. (Same successor as the timed-out wake above, but a different
     * gilcheck action, so also a different transition here.) */
    :: d_step { pc[me] == WAIT && MUTEX_FREE && (notified[me] || SPUR) && !locked ->
           acquire(me); END_STEP }

#ifdef FINALIZES
    /* Action::ShutdownExit { reset: false } from Acquired (check C): the runtime is finalizing:
     * unlock gil->mutex and drop the GIL (drop_gil with its hand-off), then exit. */
    :: d_step { pc[me] == ACQUIRED && MUST_EXIT(me) ->
           pc[me] = RELEASE; exiting[me] = 1; END_STEP }
#endif

    /* Action::ClearRequest: take_gil's tail, RESET_GIL_DROP_REQUEST (still under gil->mutex),
     * then MUTEX_UNLOCK(gil->mutex); the thread returns to the eval loop. */
    :: d_step { pc[me] == ACQUIRED && !MUST_EXIT(me) ->
           drop_request = 0; pc[me] = EVAL; END_STEP }

#ifdef SHUTDOWN_3112
    /* Action::ResetAndExit: 3.11.2, gil->mutex already released: reset the drop request this
     * call set, exit. */
    :: d_step { pc[me] == EXITRESET ->
           drop_request = 0; pc[me] = DONE; END_STEP }
#endif

    /* ---- _PyEval_EvalFrameDefault (Python/ceval.c) ------------------------------------- */

#if defined(LEGACY_27)
    /* Action::Tick: every check interval, release interpreter_lock and re-take it. */
    :: d_step { pc[me] == EVAL ->
           pc[me] = RELEASE; END_STEP }
#elif defined(NO_POLL)
    /* Action::Bytecode: bytecode that never reaches a poll point (a self-loop). */
    :: d_step { pc[me] == EVAL ->
           skip; END_STEP }
#else
    /* Action::Poll { request: true }: CHECK_EVAL_BREAKER at a poll point sees the drop request;
     * eval_frame_handle_pending calls drop_gil. */
    :: d_step { pc[me] == EVAL && drop_request ->
#ifdef WITNESSES
           assert(!drop_request);       /* GIL-R2's witness: a poll point sees a drop request */
#endif
           pc[me] = RELEASE; END_STEP }

    /* Action::Poll { request: false }: a poll point with no request: keep running bytecode
     * (a self-loop, as in gilcheck). */
    :: d_step { pc[me] == EVAL && !drop_request ->
           skip; END_STEP }
#endif

#ifdef FINALIZES
    /* Action::Finalize: the main thread (T0), holding the GIL, starts Py_FinalizeEx. */
    :: d_step { me == 0 && pc[me] == EVAL && !finalizing ->
           finalizing = 1; END_STEP }
#endif

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
           locked = 0; AFTER_RELEASE(me); END_STEP }

    /* Action::HandoffRead { request: true }: FORCE_SWITCHING, the relaxed read of
     * gil_drop_request sees it set: go on to lock switch_mutex. */
    :: d_step { pc[me] == HREAD && drop_request ->
           pc[me] = HLOCK; END_STEP }

    /* Action::HandoffRead { request: false }: no request: drop_gil returns. */
    :: d_step { pc[me] == HREAD && !drop_request ->
           AFTER_DROP(me); END_STEP }

    /* Action::HandoffLock { waits: true }: MUTEX_LOCK(switch_mutex); last_holder is still me:
     * RESET_GIL_DROP_REQUEST and COND_WAIT(switch_cond, switch_mutex). */
    :: d_step { pc[me] == HLOCK && last_holder == me ->
           drop_request = 0; pc[me] = SWAIT; notified[me] = 0; END_STEP }

    /* Action::HandoffLock { waits: false }: another thread took the GIL already: unlock
     * switch_mutex, drop_gil returns. */
    :: d_step { pc[me] == HLOCK && last_holder != me ->
           AFTER_DROP(me); END_STEP }

    /* Action::SwitchWake: the switch_cond wait returns, signalled by take_gil (or, with
     * SPURIOUS, unsignalled); unlock switch_mutex, drop_gil returns. */
    :: d_step { pc[me] == SWAIT && (notified[me] || SPUR) ->
           AFTER_DROP(me); notified[me] = 0; END_STEP }
    od
}

/* ---- liveness: gil.rs GIL-L1..L4, GIL-X1 as `from ~> to` (per thread where gil.rs has
 * each_thread), and GIL-B1's bypass steps ------------------------------------------------------- */
#define RUNS(i)       (pc[i] == EVAL)
#define L1_FROM(i)    (1)
#define L1_TO(i)      RUNS(i)
#define L2_FROM(i)    OWED(i)
#define L2_TO(i)      RUNS(i)
#define L3_FROM(i)    (drop_request)
#define L3_TO(i)      (!drop_request)
#define L4_FROM(i)    (pc[i] == TAKE)
#define L4_TO(i)      RUNS(i)
#define X1_FROM(i)    (pc[0] == SWAIT)
#define X1_TO(i)      (pc[0] != SWAIT)
/* GIL-B1 counts a step in which another thread takes the GIL (TakeFree or an acquiring Wake). */
#define BYPASSED(i)   (acquirer != 0 && acquirer != (i) + 1)

#define LEADS_TO(F, T, i)  ([] (!F(i) || <> T(i)))
#define L1_T(i)    LEADS_TO(L1_FROM, L1_TO, i)
#define L2_T(i)    LEADS_TO(L2_FROM, L2_TO, i)
#define L4_T(i)    LEADS_TO(L4_FROM, L4_TO, i)
#define B1_T(i)    ([] (!OWED(i) || <> RUNS(i) || <> [] !BYPASSED(i)))

#ifndef NOLTL   /* spin -DNOLTL: no ltl block (safety runs, and runs with a generated claim) */
/* GIL-L1: every thread executes bytecode infinitely often. */
ltl l1 { ALL(L1_T) }

/* GIL-L2: a waiter owed the GIL (a drop request pending, no switch since its wait began)
 * eventually holds it (runs bytecode): it is not bypassed forever. */
ltl l2 { ALL(L2_T) }

/* GIL-L3: a drop request is eventually honoured (reset). */
ltl l3 { LEADS_TO(L3_FROM, L3_TO, 0) }

/* GIL-L4: a thread that calls take_gil eventually holds the GIL (runs bytecode). */
ltl l4 { ALL(L4_T) }

/* GIL-X1: the main thread's FORCE_SWITCHING wait in drop_gil ends. */
ltl x1 { LEADS_TO(X1_FROM, X1_TO, 0) }

#ifdef COUNT_BYPASS
/* GIL-B1 (no fairness): it is unbounded exactly when some run has a waiter owed the GIL that
 * from then on never runs while other threads take the GIL infinitely often (a reachable cycle
 * of such states with a counted step). */
ltl b1 { ALL(B1_T) }
#endif
#endif
