//! Our explicit-state checker: breadth-first search over hashed, packed states, with symmetry
//! reduction, deadlock detection, shortest counterexamples, state/time limits, and the replay of
//! executable-twin runs against the specification.

mod analysis;
mod bfs;
mod check;
mod confirm;
mod count;
mod expand;
mod graph;
mod liveness;
mod options;
mod replay;
mod report;
mod shards;
mod store;
mod walk;

pub use check::check;
pub use confirm::{confirm, Confirmation};
pub use count::run_count;
pub use options::{Deadline, Options, MAX_WORKERS};
pub use replay::{replay_observed, replay_trace, Mismatch, Refinement, Replayed};
pub use report::{Basis, GraphStats, Numbers, PropertyResult, Report, Verdict};
pub use walk::walk;

/// A model small enough to follow by hand, for the unit tests of the checker's parts.
#[cfg(test)]
pub(crate) mod toy {
    use crate::model::{Check, Config, CountClaim, Fairness, Model, Property};
    use crate::trace::TraceMeta;

    /// What a thread does: from 0 it goes to 1; from 1 it stops (2, done) or goes back to 0.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Move {
        Go,
        Stop,
        Back,
        /// What a twin observes of `Stop` and `Back` (`Model::observable`): it left 1.
        Leave,
    }

    /// Two threads, each at 0, 1 or 2 (done); final when both are done. Its properties, by hand
    /// (weak fairness): T-S1 (never both at 1) is violated in 2 steps; T-R1 (some thread
    /// done) and T-R2 (a `Stop` step) are witnessed in 2; T-S2 (no deadlock) holds, [2, 2]
    /// being final; T-L1 (at 1 ~> done) is violated by a thread going back and forth; T-B1
    /// (its `Back`s from 1 until done) is unbounded, T-B2 (at least one) is violated by `Go`,
    /// `Stop`.
    pub struct Toy;

    pub type State = [u8; 2];
    pub type Action = (usize, Move);

    fn at_1(_: &Toy, s: &State, t: usize) -> bool {
        s[t] == 1
    }

    fn done(_: &Toy, s: &State, t: usize) -> bool {
        s[t] == 2
    }

    fn backs(_: &Toy, _: &State, &(u, m): &Action, _: &State, t: usize) -> bool {
        u == t && m == Move::Back
    }

    fn t1_at_1(_: &Toy, s: &State, _: usize) -> bool {
        s[1] == 1
    }

    fn t1_done(_: &Toy, s: &State, _: usize) -> bool {
        s[1] == 2
    }

    impl Model for Toy {
        type State = State;
        type Action = Action;

        fn init_states(&self) -> Vec<State> {
            vec![[0, 0]]
        }
        fn actions(&self, s: &State, out: &mut Vec<Action>) {
            for (t, &at) in s.iter().enumerate() {
                match at {
                    0 => out.push((t, Move::Go)),
                    1 => out.extend([(t, Move::Stop), (t, Move::Back)]),
                    _ => {}
                }
            }
        }
        fn next_state(&self, s: &State, &(t, m): &Action) -> State {
            let mut next = *s;
            next[t] = match m {
                Move::Go => 1,
                Move::Back => 0,
                Move::Stop => 2,
                Move::Leave => unreachable!("only observed"),
            };
            next
        }
        fn properties(&self) -> Vec<Property<Self>> {
            let property = |id, check| Property {
                id,
                statement: "a property of the toy",
                source: "none: a toy of the unit tests",
                premise: None,
                check,
            };
            vec![
                property("T-S1", Check::Always(|_, s: &State| *s != [1, 1])),
                property("T-R1", Check::Sometimes(|_, s: &State| s.contains(&2))),
                property(
                    "T-R2",
                    Check::SometimesStep(|_, _, a: &Action, _| a.1 == Move::Stop),
                ),
                property("T-S2", Check::DeadlockFree),
                property(
                    "T-L1",
                    Check::LeadsTo {
                        from: at_1,
                        to: done,
                        each_thread: true,
                        fairness: Fairness::WeakThread,
                    },
                ),
                property(
                    "T-B1",
                    Check::Count {
                        from: at_1,
                        count: backs,
                        to: done,
                        each_thread: true,
                        claim: CountClaim::Bounded,
                    },
                ),
                property(
                    "T-B2",
                    Check::Count {
                        from: at_1,
                        count: backs,
                        to: done,
                        each_thread: true,
                        claim: CountClaim::AtLeast(1),
                    },
                ),
                // About T1 only (not per thread): any thread's `Back` counts, or only T1's.
                property(
                    "T-B3",
                    Check::Count {
                        from: t1_at_1,
                        count: |_, _, a: &Action, _, _| a.1 == Move::Back,
                        to: t1_done,
                        each_thread: false,
                        claim: CountClaim::Bounded,
                    },
                ),
                property(
                    "T-B4",
                    Check::Count {
                        from: t1_at_1,
                        count: |_, _, a: &Action, _, _| *a == (1, Move::Back),
                        to: t1_done,
                        each_thread: false,
                        claim: CountClaim::Bounded,
                    },
                ),
                // At least one `Back` of any thread between T1 at 1 and T1 done.
                property(
                    "T-B5",
                    Check::Count {
                        from: t1_at_1,
                        count: |_, _, a: &Action, _, _| a.1 == Move::Back,
                        to: t1_done,
                        each_thread: false,
                        claim: CountClaim::AtLeast(1),
                    },
                ),
            ]
        }
        fn is_final(&self, s: &State) -> bool {
            *s == [2, 2]
        }
        fn actor(&self, a: &Action) -> Option<usize> {
            Some(a.0)
        }
        fn thread_count(&self) -> usize {
            2
        }
        fn format_action(&self, &(t, m): &Action) -> String {
            format!("T{t} {m:?}")
        }
        fn format_state(&self, s: &State) -> String {
            format!("{s:?}")
        }
        fn observable(&self, &(t, m): &Action) -> Action {
            match m {
                Move::Stop | Move::Back => (t, Move::Leave),
                _ => (t, m),
            }
        }
    }

    /// Walks on a 300 x 300 torus, one step right (T0), one down (T1) or one jump (T0): 90,000
    /// states, most found again, in the same batch and in later ones. T-S1 (never at the far
    /// corner) is violated; T-L1 is a leads-to property, so that checks build the graph.
    pub struct Torus;

    impl Model for Torus {
        type State = [u16; 2];
        type Action = u8;

        fn init_states(&self) -> Vec<[u16; 2]> {
            vec![[0, 0]]
        }
        fn actions(&self, _: &[u16; 2], out: &mut Vec<u8>) {
            out.extend([0, 1, 2]);
        }
        fn next_state(&self, &[x, y]: &[u16; 2], &action: &u8) -> [u16; 2] {
            match action {
                0 => [(x + 1) % 300, y],
                1 => [x, (y + 1) % 300],
                _ => [(x * 7 + y) % 300, (y * 3 + x + 1) % 300],
            }
        }
        fn properties(&self) -> Vec<Property<Self>> {
            let corner = |_: &Torus, s: &[u16; 2], _| *s == [299, 299];
            vec![
                Property::always("T-S1", "never at the far corner", "none", |_, s| {
                    *s != [299, 299]
                }),
                Property::leads_to(
                    "T-L1",
                    "from the start the far corner is reached",
                    "none",
                    |_, s, _| *s == [0, 0],
                    corner,
                    Fairness::WeakThread,
                ),
            ]
        }
        fn actor(&self, &action: &u8) -> Option<usize> {
            Some(usize::from(action % 2))
        }
        fn thread_count(&self) -> usize {
            2
        }
    }

    pub fn meta() -> TraceMeta {
        TraceMeta {
            model: "toy".into(),
            variant: "toy".into(),
            config: Config::threads(2),
            backend: "explicit".into(),
        }
    }
}
