//! The explicit checker on small hand-made models whose answers are known by hand.

use gilcheck::explore::{check, walk, Options, Verdict};
use gilcheck::model::{Check, Config, Model, Property};
use gilcheck::trace::TraceMeta;

/// Two threads each increment a shared counter once, with the read and the write as separate
/// steps (a lost update is possible), or atomically.
struct Increments {
    atomic: bool,
}

/// (pc of each thread: 0 read, 1 write, 2 done; value each read; counter)
type IncState = ([u8; 2], [u8; 2], u8);

impl Model for Increments {
    type State = IncState;
    type Action = usize;

    fn init_states(&self) -> Vec<IncState> {
        vec![([0, 0], [0, 0], 0)]
    }
    fn actions(&self, s: &IncState, out: &mut Vec<usize>) {
        out.extend((0..2).filter(|&t| s.0[t] < 2));
    }
    fn next_state(&self, s: &IncState, &t: &usize) -> IncState {
        let (mut pc, mut seen, mut counter) = *s;
        match (pc[t], self.atomic) {
            (0, true) => {
                counter += 1;
                pc[t] = 2;
            }
            (0, false) => {
                seen[t] = counter;
                pc[t] = 1;
            }
            _ => {
                counter = seen[t] + 1;
                pc[t] = 2;
            }
        }
        (pc, seen, counter)
    }
    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property {
                id: "INC-S1",
                statement: "when both are done the counter is 2",
                source: "none: a hand-made counter of this test",
                premise: None,
                check: Check::Always(|_, s: &IncState| s.0 != [2, 2] || s.2 == 2),
            },
            Property {
                id: "INC-R1",
                statement: "the counter reaches 2",
                source: "none: a hand-made counter of this test",
                premise: None,
                check: Check::Sometimes(|_, s: &IncState| s.2 == 2),
            },
            Property {
                id: "INC-S2",
                statement: "no deadlock",
                source: "none: a hand-made counter of this test",
                premise: None,
                check: Check::DeadlockFree,
            },
        ]
    }
    fn is_final(&self, s: &IncState) -> bool {
        s.0 == [2, 2]
    }
    fn canonical(&self, s: &IncState) -> IncState {
        let mut pairs = [(s.0[0], s.1[0]), (s.0[1], s.1[1])];
        pairs.sort();
        ([pairs[0].0, pairs[1].0], [pairs[0].1, pairs[1].1], s.2)
    }
    fn actor(&self, &t: &usize) -> Option<usize> {
        Some(t)
    }
    fn thread_count(&self) -> usize {
        2
    }
    fn format_action(&self, &t: &usize) -> String {
        format!("step of T{t}")
    }
    fn format_state(&self, s: &IncState) -> String {
        format!("{s:?}")
    }
}

/// A thread that takes lock A then B, and one that takes B then A: a classic deadlock.
struct TwoLocks;

impl Model for TwoLocks {
    /// pc per thread: 0 nothing held, 1 first lock held, 2 took both and released them (done)
    type State = [u8; 2];
    type Action = usize;
    fn init_states(&self) -> Vec<[u8; 2]> {
        vec![[0, 0]]
    }
    fn actions(&self, s: &[u8; 2], out: &mut Vec<usize>) {
        for t in 0..2 {
            // My second lock is the other's first, held while the other is at pc 1.
            let enabled = match s[t] {
                0 => true,
                1 => s[1 - t] != 1,
                _ => false,
            };
            if enabled {
                out.push(t);
            }
        }
    }
    fn next_state(&self, s: &[u8; 2], &t: &usize) -> [u8; 2] {
        let mut s = *s;
        s[t] += 1;
        s
    }
    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property {
            id: "LOCK-S1",
            statement: "no deadlock",
            source: "none: two hand-made locks of this test",
            premise: None,
            check: Check::DeadlockFree,
        }]
    }
    fn is_final(&self, s: &[u8; 2]) -> bool {
        *s == [2, 2]
    }
    fn actor(&self, &t: &usize) -> Option<usize> {
        Some(t)
    }
    fn thread_count(&self) -> usize {
        2
    }
    fn format_action(&self, &t: &usize) -> String {
        format!("T{t} takes its next lock")
    }
    fn format_state(&self, s: &[u8; 2]) -> String {
        format!("{s:?}")
    }
}

fn meta() -> TraceMeta {
    TraceMeta {
        model: "test".into(),
        variant: "test".into(),
        config: Config::threads(2),
        backend: "explicit".into(),
    }
}

#[test]
fn a_lost_update_is_found_with_the_shortest_trace() {
    let report = check(&Increments { atomic: false }, &meta(), &Options::default());
    // By hand: pcs (0,0) 1 state, (1,0)/(0,1) 2, (2,0)/(0,2) 2, (1,1) 1, (2,1)/(1,2) 4 (the
    // other read before or after the write), (2,2) 3 (counter 2 either order, or 1).
    assert_eq!(report.states, 13);
    assert_eq!(report.depth, 4);
    let lost = report.result("INC-S1").unwrap();
    assert_eq!(lost.verdict, Verdict::Violated);
    let trace = lost.trace.as_ref().unwrap();
    assert_eq!(trace.steps.len(), 4, "read, read, write, write");
    assert_eq!(report.verdict("INC-R1"), Some(Verdict::Holds));
    assert_eq!(report.verdict("INC-S2"), Some(Verdict::Holds));
}

#[test]
fn atomic_increments_are_correct_and_symmetry_shrinks_the_space() {
    let model = Increments { atomic: true };
    let plain = check(&model, &meta(), &Options::default());
    let sym = check(
        &model,
        &meta(),
        &Options {
            symmetry: true,
            ..Options::default()
        },
    );
    assert_eq!((plain.states, sym.states), (4, 3));
    for report in [plain, sym] {
        assert!(report.results.iter().all(|r| r.verdict == Verdict::Holds));
    }
}

#[test]
fn a_cut_search_leaves_reachability_and_deadlock_inconclusive() {
    let model = Increments { atomic: false };
    let cut = check(
        &model,
        &meta(),
        &Options {
            max_states: 2,
            ..Options::default()
        },
    );
    assert_eq!(cut.verdict("INC-R1"), Some(Verdict::Inconclusive));
    assert_eq!(cut.verdict("INC-S2"), Some(Verdict::Inconclusive));
}

#[test]
fn opposite_lock_orders_deadlock() {
    let report = check(&TwoLocks, &meta(), &Options::default());
    let result = report.result("LOCK-S1").unwrap();
    assert_eq!(result.verdict, Verdict::Violated);
    assert_eq!(result.trace.as_ref().unwrap().steps.len(), 2);
}

#[test]
fn a_walk_stops_at_a_final_state_and_reports_deadlocks() {
    assert_eq!(walk(&Increments { atomic: true }, &meta(), &[0; 10]), Ok(2));
    let trace = walk(&TwoLocks, &meta(), &[0, 1, 0]).expect_err("deadlock");
    assert_eq!(trace.property.as_deref(), Some("LOCK-S1"));
}
