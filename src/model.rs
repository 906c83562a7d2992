//! The `Model` trait: what every specification provides to the checkers.
//!
//! A model is a state machine: initial states, the actions enabled in a state, the successor of
//! an action, and named properties with stable IDs. The engine knows nothing else about it.

pub use crate::config::{Config, Setting};
use crate::pack::Pack;
use crate::timeline::Frame;
pub use crate::variant::{Variant, VariantKind, Variants};
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::hash::Hash;

/// Which infinite schedules a liveness property is checked over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fairness {
    /// Weak fairness per thread: a thread that stays enabled is eventually scheduled.
    WeakThread,
    /// Strong fairness per thread: a thread enabled infinitely often is scheduled infinitely
    /// often (any of its steps will do).
    StrongThread,
    /// Strong fairness per step: a step (same thread, same label) enabled infinitely often is
    /// taken infinitely often. A race a thread can win infinitely often, it eventually wins.
    StrongAction,
}

impl Fairness {
    /// Every fairness assumption, weakest first.
    pub const ALL: [Fairness; 3] = [
        Fairness::WeakThread,
        Fairness::StrongThread,
        Fairness::StrongAction,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Fairness::WeakThread => "weak-thread",
            Fairness::StrongThread => "strong-thread",
            Fairness::StrongAction => "strong-action",
        }
    }

    /// The assumption in words.
    pub fn describe(self) -> &'static str {
        match self {
            Fairness::WeakThread => "weak fairness per thread (a thread that stays enabled runs)",
            Fairness::StrongThread => {
                "strong fairness per thread (a thread enabled infinitely often runs infinitely often)"
            }
            Fairness::StrongAction => {
                "strong fairness per step (a step enabled infinitely often is taken infinitely often)"
            }
        }
    }

    /// The fairness named `name`.
    pub fn from_name(name: &str) -> Option<Fairness> {
        Fairness::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// What a counting property claims about the number of counted steps between a trigger and a
/// response, over every run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountClaim {
    /// The number is bounded: the checker computes the largest one.
    Bounded,
    /// Every run takes at least this many counted steps (the checker computes the smallest).
    AtLeast(usize),
}

/// A predicate on one step of one thread: (model, before, action, after, thread).
pub type StepPredicate<M> =
    fn(&M, &<M as Model>::State, &<M as Model>::Action, &<M as Model>::State, usize) -> bool;

/// How a property is checked.
pub enum Check<M: Model> {
    /// Safety: the predicate holds in every reachable state.
    Always(fn(&M, &M::State) -> bool),
    /// Reachability: some reachable state satisfies the predicate.
    Sometimes(fn(&M, &M::State) -> bool),
    /// Reachability of a transition: some reachable step `(before, action, after)` satisfies it.
    SometimesStep(fn(&M, &M::State, &M::Action, &M::State) -> bool),
    /// Safety: every reachable state that is not final has an enabled action.
    DeadlockFree,
    /// Liveness, `from ~> to`: on every fair infinite run, a state where `from` holds is
    /// followed (or accompanied) by one where `to` holds. With `each_thread` the predicates get
    /// each thread index in turn and the property must hold for every thread; otherwise they
    /// get 0. `true ~> P` says P holds infinitely often. A run that stops (no step enabled)
    /// stays in its last state forever.
    LeadsTo {
        /// The trigger.
        from: fn(&M, &M::State, usize) -> bool,
        /// The response.
        to: fn(&M, &M::State, usize) -> bool,
        /// Check it for each thread.
        each_thread: bool,
        /// The schedules it is checked over (unless a run overrides it).
        fairness: Fairness,
    },
    /// Bounded progress: the number of `count` steps taken from a state where `from` holds
    /// until one where `to` holds, over every run (per thread with `each_thread`). The
    /// checker computes the smallest and the largest number (the largest may be unbounded: a
    /// reachable cycle takes a counted step without reaching `to`) and decides `claim`.
    Count {
        /// The trigger.
        from: fn(&M, &M::State, usize) -> bool,
        /// The steps counted: (before, action, after, thread).
        count: StepPredicate<M>,
        /// The response.
        to: fn(&M, &M::State, usize) -> bool,
        /// Check it for each thread.
        each_thread: bool,
        /// What must hold of the numbers.
        claim: CountClaim,
    },
}

/// What must happen at least once for a property to say anything: in a configuration where no
/// reachable state satisfies it, the property is `vacuous` (for example "a holder notices a drop
/// request" with one thread, where nobody ever requests).
pub struct Premise<M: Model> {
    /// The premise in a few words ("a drop request is made").
    pub what: &'static str,
    /// Whether it holds in a state.
    pub holds: fn(&M, &M::State) -> bool,
}

/// A property with a stable ID such as `GIL-S1`.
pub struct Property<M: Model> {
    /// Stable ID `<MODEL>-<KIND><n>`; never changes once published.
    pub id: &'static str,
    /// The property in one sentence.
    pub statement: &'static str,
    /// The source the property mirrors, in one line: file, function(s) and the versions it
    /// applies to (for example `Python/ceval_gil.h: take_gil, drop_gil (CPython 3.2-3.11)`).
    pub source: &'static str,
    /// What must occur for the property to be meaningful (`None`: nothing beyond the trigger
    /// of a leads-to or counting property). Checked on the search's states.
    pub premise: Option<Premise<M>>,
    /// How the checker decides it.
    pub check: Check<M>,
}

impl<M: Model> Property<M> {
    /// A property checked by `check`, with no premise.
    pub fn new(
        id: &'static str,
        statement: &'static str,
        source: &'static str,
        check: Check<M>,
    ) -> Self {
        Property {
            id,
            statement,
            source,
            premise: None,
            check,
        }
    }

    /// Safety: `holds` in every reachable state.
    pub fn always(
        id: &'static str,
        statement: &'static str,
        source: &'static str,
        holds: fn(&M, &M::State) -> bool,
    ) -> Self {
        Property::new(id, statement, source, Check::Always(holds))
    }

    /// Safety: every reachable state that is not final has an enabled action.
    pub fn deadlock_free(id: &'static str, statement: &'static str, source: &'static str) -> Self {
        Property::new(id, statement, source, Check::DeadlockFree)
    }

    /// Reachability: some reachable state satisfies `holds`.
    pub fn sometimes(
        id: &'static str,
        statement: &'static str,
        source: &'static str,
        holds: fn(&M, &M::State) -> bool,
    ) -> Self {
        Property::new(id, statement, source, Check::Sometimes(holds))
    }

    /// Reachability of a step: some reachable `(before, action, after)` satisfies `holds`.
    pub fn sometimes_step(
        id: &'static str,
        statement: &'static str,
        source: &'static str,
        holds: fn(&M, &M::State, &M::Action, &M::State) -> bool,
    ) -> Self {
        Property::new(id, statement, source, Check::SometimesStep(holds))
    }

    /// Liveness, `from ~> to` under `fairness` (for thread 0 only; see `for_each_thread`).
    pub fn leads_to(
        id: &'static str,
        statement: &'static str,
        source: &'static str,
        from: fn(&M, &M::State, usize) -> bool,
        to: fn(&M, &M::State, usize) -> bool,
        fairness: Fairness,
    ) -> Self {
        let check = Check::LeadsTo {
            from,
            to,
            each_thread: false,
            fairness,
        };
        Property::new(id, statement, source, check)
    }

    /// This leads-to or counting property checked for each thread.
    pub fn for_each_thread(mut self) -> Self {
        match &mut self.check {
            Check::LeadsTo { each_thread, .. } | Check::Count { each_thread, .. } => {
                *each_thread = true
            }
            _ => panic!(
                "{}: only leads-to and counting properties are per thread",
                self.id
            ),
        }
        self
    }

    /// This property, meaningful only where `holds` is true of some reachable state (`what`
    /// says it in words): elsewhere it is `vacuous`.
    pub fn with_premise(mut self, what: &'static str, holds: fn(&M, &M::State) -> bool) -> Self {
        self.premise = Some(Premise { what, holds });
        self
    }

    /// Whether `state` on its own refutes the property (only `Always` properties can be).
    pub fn violated_by(&self, model: &M, state: &M::State) -> bool {
        matches!(self.check, Check::Always(holds) if !holds(model, state))
    }
}

/// A specification that the explicit-state checker explores and that executable twins are
/// replayed against.
pub trait Model: Sized + Send + Sync {
    /// A state: small, cheap to clone and hash. The visited set keeps it packed
    /// (`crate::pack::Pack`; `stored_as_is!` keeps it as it is).
    type State: Clone + Eq + Hash + Debug + Send + Sync + Pack;
    /// An action: one atomic step of one thread (or of the environment).
    type Action: Clone + Eq + Debug + Send + Sync;

    /// Initial states, in a deterministic order.
    fn init_states(&self) -> Vec<Self::State>;
    /// Appends the actions enabled in `state` to `out`, in a deterministic order.
    fn actions(&self, state: &Self::State, out: &mut Vec<Self::Action>);
    /// The state after `action`, which must be enabled in `state`.
    fn next_state(&self, state: &Self::State, action: &Self::Action) -> Self::State;
    /// The properties checked on this model.
    fn properties(&self) -> Vec<Property<Self>>;

    /// A state in which the system has legitimately finished (no actions, not a deadlock).
    fn is_final(&self, _state: &Self::State) -> bool {
        false
    }
    /// Symmetry hook: a representative of the state's class under thread permutation. Two states
    /// that differ only by renaming threads must map to the same representative.
    fn canonical(&self, state: &Self::State) -> Self::State {
        state.clone()
    }
    /// Whether the threads are interchangeable: `canonical` is a symmetry of the model and of
    /// its initial states, and every per-thread property says the same of each thread. A
    /// per-thread liveness or counting property is then decided for T0 alone, which decides
    /// it for every thread (with the same trace: T0 is the first thread looked at).
    fn symmetric(&self) -> bool {
        false
    }
    /// The thread that performs `action` (`None`: the environment). Fairness is per thread:
    /// a model with liveness properties says who acts. Defaults to the environment.
    fn actor(&self, _action: &Self::Action) -> Option<usize> {
        None
    }
    /// How many threads the model runs (per-thread properties range over them). Defaults to 1.
    fn thread_count(&self) -> usize {
        1
    }
    /// Environment assumptions that liveness verdicts depend on, in words (for example how
    /// timeouts behave). Printed next to every liveness verdict.
    fn assumptions(&self) -> Vec<String> {
        Vec::new()
    }
    /// The stable, human-readable label of `action`; traces store it and replay matches it.
    /// Defaults to its `Debug` form.
    fn format_action(&self, action: &Self::Action) -> String {
        format!("{action:?}")
    }
    /// The key parts of a state, in one line. Defaults to its `Debug` form.
    fn format_state(&self, state: &Self::State) -> String {
        format!("{state:?}")
    }
    /// What a trace's timeline picture shows of a state: each thread's activity and the shared
    /// facts worth a lane. Defaults to nothing (the picture then shows only who acted).
    fn frame(&self, _state: &Self::State) -> Frame {
        Frame::default()
    }
    /// Why `state` violates safety property `id`, with the values expected and found, for a
    /// counterexample's last line (for example `obj0: 2 references counted, 3 held`). Defaults
    /// to nothing more than the property's statement.
    fn explain(&self, _id: &str, _state: &Self::State) -> Option<String> {
        None
    }
    /// What an executable twin can observe of `action`: hidden choices (for example which
    /// waiter a condition-variable signal wakes) erased. Defaults to the whole action.
    fn observable(&self, action: &Self::Action) -> Self::Action {
        action.clone()
    }
}

impl<M: Model> Check<M> {
    /// Whether the property is about infinite runs.
    pub fn is_liveness(&self) -> bool {
        matches!(self, Check::LeadsTo { .. })
    }

    /// The threads a leads-to or counting property is checked for: each of `model`'s, or
    /// only the first when it is not per thread.
    pub fn threads(&self, model: &M) -> usize {
        match self {
            Check::LeadsTo {
                each_thread: true, ..
            }
            | Check::Count {
                each_thread: true, ..
            } => model.thread_count(),
            _ => 1,
        }
    }

    /// The threads whose verdicts decide a leads-to or counting property on the graph: T0
    /// alone when the model's threads are interchangeable (unless `all_threads`).
    pub fn threads_to_decide(&self, model: &M, all_threads: bool) -> usize {
        match model.symmetric() && !all_threads {
            true => 1,
            false => self.threads(model),
        }
    }

    /// Whether it needs the whole state graph (liveness and counting properties).
    pub fn needs_graph(&self) -> bool {
        matches!(self, Check::LeadsTo { .. } | Check::Count { .. })
    }
}

/// The kind letter of a property ID (`S`, `L`, `B`, `R` or `X`), if the ID is well formed.
pub fn kind_of(id: &str) -> Option<char> {
    id.rsplit('-').next().and_then(|tail| tail.chars().next())
}
