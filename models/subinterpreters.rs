//! Two interpreters sharing one GIL, on the GIL component (`models/gil/`): CPU-bound threads
//! alternate between the main interpreter (T0, T2, ...) and a subinterpreter (T1, T3, ...).
//! Every interpreter shares the one GIL in 3.9-3.11 (`_PyRuntime.ceval.gil`), and from 3.12 so
//! do interpreters created with a shared GIL (`Py_NewInterpreter`, or
//! `PyInterpreterConfig_SHARED_GIL`: `interp->ceval.gil` points at the main interpreter's).
//!
//! What differs between versions is where the drop request lives. In 3.9-3.12 it is a field
//! of each interpreter (`interp->ceval.gil_drop_request` and its `eval_breaker`): a waiter sets
//! its own interpreter's (`take_gil`: `SET_GIL_DROP_REQUEST(tstate->interp)`), and a holder
//! polls and resets its own (`eval_frame_handle_pending`, 3.12 `_Py_HandlePending`; `drop_gil`
//! reads `ceval2->gil_drop_request`), so a holder in one interpreter never sees a waiter of
//! the other. From 3.13 the request is a bit of the holder's own `eval_breaker`, set on
//! `gil->last_holder`, whatever its interpreter (gh-112175).

use crate::model::{Config, Fairness, Model, Property};
use crate::models::gil::{self, holds_gil, Action, GilState, GilVariant, Handoff, Pc};
use crate::registry::{ModelEntry, Registered};
use crate::timeline::Frame;

crate::variants! {
    /// Where the drop request lives.
    pub enum SubVariant {
        /// 3.9-3.12: one request per interpreter.
        PerInterpreter => ("cpython-3.11", Real,
            "3.9-3.12: each interpreter has its own gil_drop_request; a holder polls its own",
            ["3.9", "3.11", "3.12"]),
        /// 3.13 and 3.14: the request is a bit of the holder's thread state.
        PerThread => ("cpython-3.13", Real,
            "3.13-3.14: the request is a bit of the holder's eval_breaker, set on last_holder",
            ["3.13", "3.14"]),
        /// Bad: `take_gil` does not exclude.
        NoGil => ("no-gil", Bad, "bad: take_gil takes the GIL even when it is locked"),
    }
}

impl SubVariant {
    /// The GIL version it runs.
    fn gil(self) -> GilVariant {
        match self {
            SubVariant::PerInterpreter => GilVariant::Cpython311,
            SubVariant::PerThread => GilVariant::Cpython313,
            SubVariant::NoGil => GilVariant::NoGil,
        }
    }
}

/// The hand-off model's CPU-bound threads, split between two interpreters.
#[derive(Clone, Debug)]
pub struct Subinterpreters {
    /// The threads and the GIL they share.
    pub handoff: Handoff,
}

impl Subinterpreters {
    /// The model of `variant` under `config`.
    pub fn new(variant: SubVariant, config: &Config) -> Subinterpreters {
        let mut handoff = Handoff::new(variant.gil(), config);
        handoff.gil.interpreters = 2;
        Subinterpreters { handoff }
    }
}

impl Model for Subinterpreters {
    type State = GilState;
    type Action = Action;

    fn init_states(&self) -> Vec<GilState> {
        self.handoff.init_states()
    }

    fn actions(&self, s: &GilState, out: &mut Vec<Action>) {
        self.handoff.actions(s, out)
    }

    fn next_state(&self, s: &GilState, action: &Action) -> GilState {
        self.handoff.next_state(s, action)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let source = "Python/ceval_gil.h: take_gil sets SET_GIL_DROP_REQUEST(tstate->interp), \
                      Python/ceval.c: the eval loop polls tstate->interp->ceval (3.9-3.11; \
                      Python/ceval_gil.c in 3.12); Python/ceval_gil.c: take_gil sets the bit \
                      on gil->last_holder (3.13+)";
        vec![
            Property::always(
                "SUB-S1",
                "at most one thread of either interpreter holds the shared GIL",
                "Python/ceval_gil.h: one gil->locked for every interpreter (3.9-3.11); \
                 3.12+: interp->ceval.gil points at the main interpreter's",
                |m: &Self, s: &GilState| {
                    (0..m.handoff.gil.threads)
                        .filter(|&t| holds_gil(s, t))
                        .count()
                        <= 1
                },
            ),
            Property::leads_to(
                "SUB-L1",
                "a thread that calls take_gil eventually holds the GIL, whichever interpreter \
                 the holder runs in",
                source,
                |_, s: &GilState, t| s.threads[t] == Pc::Take,
                |_, s: &GilState, t| s.threads[t] == Pc::Eval,
                Fairness::StrongThread,
            )
            .for_each_thread(),
            Property::leads_to(
                "SUB-L2",
                "a drop request, of either interpreter, is eventually honoured",
                source,
                |m: &Self, s: &GilState, _| m.handoff.gil.any_request(s),
                |m: &Self, s: &GilState, _| !m.handoff.gil.any_request(s),
                Fairness::StrongThread,
            ),
        ]
    }

    fn is_final(&self, s: &GilState) -> bool {
        self.handoff.is_final(s)
    }

    fn actor(&self, action: &Action) -> Option<usize> {
        self.handoff.actor(action)
    }

    fn thread_count(&self) -> usize {
        self.handoff.thread_count()
    }

    fn assumptions(&self) -> Vec<String> {
        let mut out = self.handoff.assumptions();
        out.push("T0, T2, ... run in the main interpreter, T1, T3, ... in a subinterpreter".into());
        out
    }

    fn format_action(&self, action: &Action) -> String {
        self.handoff.format_action(action)
    }

    fn format_state(&self, s: &GilState) -> String {
        self.handoff.format_state(s)
    }

    fn frame(&self, s: &GilState) -> Frame {
        self.handoff.frame(s)
    }

    fn observable(&self, action: &Action) -> Action {
        self.handoff.observable(action)
    }
}

impl Registered for Subinterpreters {
    type Variant = SubVariant;

    fn build(variant: SubVariant, config: &Config) -> Subinterpreters {
        Subinterpreters::new(variant, config)
    }
}

/// What SUB-L1's verdicts mean for the real code (its page).
const NOTES: &[(&str, &str)] = &[(
    "SUB-L1",
    "## Finding: a holder in one interpreter ignores a waiter of the other (3.9-3.12)

With the request one field per interpreter, a waiter times out and sets its own interpreter's
request, but the CPU-bound holder in the other interpreter polls its own, which stays clear: it
never drops the GIL, and the waiter waits as long as the holder runs Python code (the lasso
below repeats the waiter's timed-out wait for ever, at 2 threads, one per interpreter). It is
starvation, not a deadlock: the holder still drops the GIL when it blocks or finishes. From 3.13
the waiter sets the bit on the holder's own thread state and the holder drops the GIL at its
next poll, as with one interpreter (at 3 threads SUB-L1 fails there too, for the reason GIL-L4
does with one interpreter: the GIL is not FIFO).",
)];

/// The registry entry.
pub fn entry() -> ModelEntry {
    ModelEntry::of::<Subinterpreters>(
        "subinterpreters",
        "two interpreters sharing one GIL: where each version keeps the drop request",
        gil::MAX_THREADS,
        2,
    )
    .with_source("models/subinterpreters.rs")
    .with_settings(gil::SETTINGS)
    .with_legend(gil::LEGEND)
    .with_notes(NOTES)
}

