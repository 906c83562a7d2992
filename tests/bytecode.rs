//! The bytecode model (`counter += 1` in several threads) under the explicit checker: pinned
//! state counts, the verdict of every property on every variant, the lost update of the 3.9 and
//! PyPy GILs and of the GIL-free runtimes, and the lock that prevents it.

use gilcheck::explore::{check, replay_trace, Options, Report, Verdict};
use gilcheck::model::{Config, Model};
use gilcheck::models::bytecode::{
    AnyGilState, Bytecode, BytecodeAction, BytecodeState, BytecodeVariant, Op, Pos, FREE,
};
use gilcheck::models::gil::{self, Pc};
use gilcheck::trace::TraceMeta;
use std::collections::HashSet;

use BytecodeVariant::*;
use Verdict::{Holds, Vacuous, Violated};

fn model(variant: BytecodeVariant, threads: usize) -> Bytecode {
    Bytecode::new(variant, Config::threads(threads))
}

fn run(variant: BytecodeVariant, threads: usize) -> Report {
    let meta = TraceMeta {
        model: "bytecode".into(),
        variant: format!("{variant:?}"),
        config: Config::threads(threads),
        backend: "explicit".into(),
    };
    let report = check(&model(variant, threads), &meta, &Options::default());
    assert!(report.limit.is_none());
    report
}

/// The actions of the trace for `id`, which must have `verdict`.
fn trace_of(variant: BytecodeVariant, report: &Report, id: &str) -> Vec<BytecodeAction> {
    let result = report.result(id).unwrap();
    let trace = result.trace.as_ref().expect("a trace");
    replay_trace(&model(variant, 2), trace).unwrap().actions()
}

/// The `(thread, op)` of a bytecode step.
fn op_of(action: &BytecodeAction) -> Option<(u8, Op)> {
    match *action {
        BytecodeAction::Op { thread, op } => Some((thread, op)),
        BytecodeAction::Gil(_) | BytecodeAction::Pypy(_) => None,
    }
}

/// Index of thread `t`'s first `STORE_GLOBAL` after step `from`.
fn next_store(actions: &[BytecodeAction], t: u8, from: usize) -> Option<usize> {
    (from..actions.len())
        .find(|&i| matches!(op_of(&actions[i]), Some((u, Op::StoreGlobal { .. })) if u == t))
}

/// A lost update: thread `t` loads `v` at `i`, thread `u` loads the same `v` at `j > i`, and
/// `t` stores only after `j`. Returns `(i, j, store of t)`.
fn lost_update(actions: &[BytecodeAction]) -> Option<(usize, usize, usize)> {
    for (i, a) in actions.iter().enumerate() {
        let Some((t, Op::LoadGlobal { value })) = op_of(a) else {
            continue;
        };
        let Some(store) = next_store(actions, t, i) else {
            continue;
        };
        for (j, b) in actions.iter().enumerate().take(store).skip(i + 1) {
            if matches!(op_of(b), Some((u, Op::LoadGlobal { value: w })) if u != t && w == value) {
                return Some((i, j, store));
            }
        }
    }
    None
}

#[test]
fn state_counts_of_the_default_variant_are_pinned() {
    // (threads, states), as computed by the checker; a change is a model change.
    for (threads, states) in [(2, 733), (3, 38_629)] {
        let report = run(Cpython311, threads);
        assert_eq!(report.states, states, "{threads} threads");
    }
}

#[test]
fn verdicts_of_every_variant_at_two_threads() {
    // (variant, PY-S1 no lost update, PY-S2 one thread runs bytecode, PY-S3 no value out of
    // thin air, PY-R1 parallel bytecode, PY-R2 the GIL is dropped inside the statement), as
    // computed by the checker.
    let expected = [
        (Cpython311, Holds, Holds, Holds, Violated, Violated),
        (Cpython39, Violated, Holds, Holds, Violated, Holds),
        (WithLock, Holds, Holds, Holds, Violated, Holds),
        (Pypy, Violated, Holds, Holds, Violated, Holds),
        (Cpython313t, Violated, Violated, Holds, Holds, Vacuous),
        (Jython, Violated, Violated, Holds, Holds, Vacuous),
        (Ironpython, Violated, Violated, Holds, Holds, Vacuous),
        (JvmTornLong, Violated, Violated, Violated, Holds, Vacuous),
    ];
    for (variant, s1, s2, s3, r1, r2) in expected {
        let report = run(variant, 2);
        let got: Vec<_> = ["PY-S1", "PY-S2", "PY-S3", "PY-R1", "PY-R2"]
            .iter()
            .map(|id| report.verdict(id).unwrap())
            .collect();
        assert_eq!(got, [s1, s2, s3, r1, r2], "{variant:?}");
    }
}

#[test]
fn cpython_3_11_never_polls_inside_counter_plus_equals_one() {
    let m = model(Cpython311, 2);
    let report = run(Cpython311, 2);
    assert_eq!(report.verdict("PY-S1"), Some(Holds));
    assert_eq!(report.verdict("PY-R2"), Some(Violated));
    for s in reachable(&m) {
        let mut enabled = Vec::new();
        m.actions(&s, &mut enabled);
        for a in &enabled {
            if let BytecodeAction::Gil(gil::Action::Poll { thread, .. }) = *a {
                assert_eq!(s.threads[thread as usize].pos, Pos::Stmt);
            }
        }
    }
}

#[test]
fn a_gil_that_polls_between_load_and_store_loses_an_update() {
    for variant in [Cpython39, Pypy] {
        let report = run(variant, 2);
        assert_eq!(report.verdict("PY-S1"), Some(Violated), "{variant:?}");
        let actions = trace_of(variant, &report, "PY-S1");
        let (i, j, store) = lost_update(&actions).expect("two loads of one value before a store");
        let t = model(variant, 2).actor(&actions[i]).unwrap() as u8;
        // The GIL changes hands between t's load and its store: t drops it at a poll point.
        assert!(
            actions[i..store]
                .iter()
                .any(|a| Bytecode::drops_at_poll(a) == Some(t)),
            "{variant:?}: no hand-off between T{t}'s load (step {}) and store (step {})",
            i + 1,
            store + 1
        );
        assert!(j < store);
    }
}

#[test]
fn without_a_gil_two_threads_interleave_load_and_store_in_parallel() {
    for variant in [Cpython313t, Jython, Ironpython] {
        let report = run(variant, 2);
        let actions = trace_of(variant, &report, "PY-S1");
        assert_eq!(report.verdict("PY-S1"), Some(Violated), "{variant:?}");
        assert!(lost_update(&actions).is_some(), "{variant:?}");
        // Nobody dropped anything: the threads ran at once.
        assert!(!actions.iter().any(|a| matches!(
            a,
            BytecodeAction::Gil(gil::Action::Poll { .. } | gil::Action::TakeBlock(_))
        )));
        assert_eq!(report.verdict("PY-S2"), Some(Violated), "{variant:?}");
    }
}

#[test]
fn the_lock_keeps_the_update_and_a_blocked_acquire_runs_without_the_gil() {
    let m = model(WithLock, 2);
    let mut blocked_detached = false;
    for s in reachable(&m) {
        let inside = (0..2)
            .filter(|&t| !matches!(s.threads[t].pos, Pos::Stmt | Pos::Blocked))
            .collect::<Vec<_>>();
        assert!(inside.len() <= 1, "two threads inside `with lock:`");
        if let [t] = inside[..] {
            assert_eq!(s.lock, t as u8);
        } else {
            assert_eq!(s.lock, FREE);
        }
        let AnyGilState::Cpython(gil) = &s.gil else {
            panic!("with-lock runs on CPython's GIL");
        };
        for t in 0..2 {
            if s.threads[t].pos == Pos::Blocked {
                assert!(!matches!(
                    gil.threads[t],
                    Pc::Eval | Pc::Take | Pc::Acquired
                ));
                blocked_detached |= gil.threads[t] == Pc::Detached;
            }
        }
    }
    assert!(blocked_detached);
    let report = run(WithLock, 2);
    assert_eq!(report.verdict("PY-S1"), Some(Holds));
    assert_eq!(report.verdict("PY-R2"), Some(Holds));
}

/// Every reachable state (small models only).
fn reachable(m: &Bytecode) -> Vec<BytecodeState> {
    let mut seen: HashSet<BytecodeState> = m.init_states().into_iter().collect();
    let mut todo: Vec<BytecodeState> = seen.iter().cloned().collect();
    let mut out = Vec::new();
    let mut enabled = Vec::new();
    while let Some(s) = todo.pop() {
        enabled.clear();
        m.actions(&s, &mut enabled);
        for a in &enabled {
            let next = m.next_state(&s, a);
            if seen.insert(next.clone()) {
                todo.push(next);
            }
        }
        out.push(s);
    }
    out
}

#[test]
fn a_store_torn_in_two_halves_shows_a_value_no_thread_computed() {
    let report = run(JvmTornLong, 2);
    let actions = trace_of(JvmTornLong, &report, "PY-S3");
    let m = model(JvmTornLong, 2);
    let mut s = m.init_states().remove(0);
    for a in &actions {
        s = m.next_state(&s, a);
    }
    // The trace ends right after a high-half write, with the counter above every stored sum.
    assert!(matches!(
        actions.last(),
        Some(BytecodeAction::Op {
            op: Op::StoreHighHalf { .. },
            ..
        })
    ));
    assert!(s.counter as usize > m.stores_begun(&s), "{s:?}");
    let written: Vec<u8> = actions
        .iter()
        .filter_map(|a| match *a {
            BytecodeAction::Op {
                op: Op::StoreGlobal { value } | Op::StoreHighHalf { value },
                ..
            } => Some(value),
            _ => None,
        })
        .collect();
    assert!(!written.contains(&s.counter), "{} was computed", s.counter);
}
