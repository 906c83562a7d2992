//! The `Model` trait: what every specification provides to the checkers.
//!
//! A model is a state machine: initial states, the actions enabled in a state, the successor of
//! an action, and named properties with stable IDs. The engine knows nothing else about it.

use crate::pack::Pack;
use crate::timeline::Frame;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::hash::Hash;

/// Bounds and environment choices a model is instantiated with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Number of threads the model runs.
    pub threads: usize,
    /// Number of Python objects, for models that have them (0 otherwise).
    pub objects: usize,
    /// Threads may finish (needed to compare with finite executable runs); otherwise they loop
    /// forever.
    pub finite: bool,
    /// Condition-variable waits may return without a signal (POSIX allows it).
    pub spurious_wakeups: bool,
}

impl Config {
    /// A configuration with `threads` threads that loop forever, no objects and no spurious
    /// wake-ups.
    pub fn threads(threads: usize) -> Self {
        Config {
            threads,
            objects: 0,
            finite: false,
            spurious_wakeups: false,
        }
    }
}

impl Config {
    /// The bounds in words, e.g. `3 threads, 2 objects, finite`.
    pub fn bounds(&self) -> String {
        let plural = |n: usize, what: &str| match n {
            1 => format!("1 {what}"),
            n => format!("{n} {what}s"),
        };
        let mut words = vec![plural(self.threads, "thread")];
        if self.objects > 0 {
            words.push(plural(self.objects, "object"));
        }
        if self.finite {
            words.push("finite".into());
        }
        if self.spurious_wakeups {
            words.push("spurious wake-ups".into());
        }
        words.join(", ")
    }
}

/// A named variant of a model: the mirror of some real code (a CPython version, another
/// implementation, a real extension or program), a fix proposed but not in CPython, or a
/// deliberately broken one that exists to show a property can fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant {
    /// Stable name used on the command line (`--variant NAME`).
    pub name: &'static str,
    /// One sentence on what the variant changes.
    pub summary: &'static str,
    /// What it mirrors.
    pub kind: VariantKind,
}

/// What a variant mirrors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VariantKind {
    /// Real code, as written.
    Real,
    /// A fix that was proposed (or that this project proposes) and is not in CPython.
    ProposedFix,
    /// Deliberately broken, to show that a property can fail.
    Bad,
}

impl VariantKind {
    /// The kind in words, for tables.
    pub fn describe(self) -> &'static str {
        match self {
            VariantKind::Real => "real code",
            VariantKind::ProposedFix => "proposed fix",
            VariantKind::Bad => "bad variant",
        }
    }
}

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
    /// The thread that performs `action`, if any.
    fn actor(&self, action: &Self::Action) -> Option<usize>;
    /// How many threads the model runs (fairness and per-thread properties range over them).
    fn thread_count(&self) -> usize;
    /// Environment assumptions that liveness verdicts depend on, in words (for example how
    /// timeouts behave). Printed next to every liveness verdict.
    fn assumptions(&self) -> Vec<String> {
        Vec::new()
    }
    /// The stable, human-readable label of `action`; traces store it and replay matches it.
    fn format_action(&self, action: &Self::Action) -> String;
    /// The key parts of a state, in one line.
    fn format_state(&self, state: &Self::State) -> String;
    /// What a trace's timeline picture shows of a state: each thread's activity and the shared
    /// facts worth a lane. Defaults to nothing (the picture then shows only who acted).
    fn frame(&self, _state: &Self::State) -> Frame {
        Frame::default()
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

    /// Whether it needs the whole state graph (liveness and counting properties).
    pub fn needs_graph(&self) -> bool {
        matches!(self, Check::LeadsTo { .. } | Check::Count { .. })
    }
}

/// The kind letter of a property ID (`S`, `L`, `B`, `R` or `X`), if the ID is well formed.
pub fn kind_of(id: &str) -> Option<char> {
    id.rsplit('-').next().and_then(|tail| tail.chars().next())
}
