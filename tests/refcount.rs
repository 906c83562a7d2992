//! The refcount model under the explicit checker: pinned state counts, verdicts per variant, and
//! counterexamples that show the mechanism (a lost update, a use after free, a count touched
//! without the GIL, a freed `None`).

use gilcheck::explore::{check, replay_trace, Options, Report, Verdict};
use gilcheck::model::{Config, Model};
use gilcheck::models::gil::Pc;
use gilcheck::models::refcount::{RcAction, RcVariant, Refcount, NONE, OBJECTS};
use gilcheck::trace::TraceMeta;

fn config(threads: usize, objects: usize) -> Config {
    Config::threads(threads).with(OBJECTS.name, objects as u32)
}

fn model(variant: RcVariant, threads: usize) -> Refcount {
    Refcount::new(variant, config(threads, 2))
}

fn run(variant: RcVariant, threads: usize) -> Report {
    let meta = TraceMeta {
        model: "refcount".into(),
        variant: format!("{variant:?}"),
        config: config(threads, 2),
        backend: "explicit".into(),
    };
    check(&model(variant, threads), &meta, &Options::default())
}

fn verdicts(report: &Report) -> Vec<(&str, Verdict)> {
    report
        .results
        .iter()
        .map(|r| (r.id.as_str(), r.verdict))
        .collect()
}

/// The actions of the counterexample for `id`, which must be violated.
fn counterexample(variant: RcVariant, report: &Report, id: &str) -> Vec<RcAction> {
    let result = report.result(id).unwrap();
    assert_eq!(result.verdict, Verdict::Violated, "{variant:?} {id}");
    let trace = result.trace.as_ref().expect("a violation has a trace");
    replay_trace(&model(variant, 2), trace).unwrap().actions()
}

#[test]
fn state_counts_of_the_default_variant_are_pinned() {
    // (threads, objects, states), as computed by the checker; a change is a model change.
    for (threads, objects, states) in [(2, 1, 2644), (2, 2, 6981), (3, 2, 1_311_195)] {
        let report = check(
            &Refcount::new(RcVariant::Cpython312, config(threads, objects)),
            &TraceMeta {
                model: "refcount".into(),
                variant: "cpython-3.12".into(),
                config: config(threads, objects),
                backend: "explicit".into(),
            },
            &Options::default(),
        );
        assert_eq!(
            report.states, states,
            "{threads} threads x {objects} objects"
        );
        assert!(report.limit.is_none());
    }
}

#[test]
fn the_immortal_none_absorbs_a_missing_incref() {
    let report = run(RcVariant::MissingIncref312, 2);
    for (id, verdict) in verdicts(&report) {
        assert_eq!(verdict, Verdict::Holds, "{id}");
    }
}

#[test]
fn without_the_gil_two_increments_lose_one() {
    let variant = RcVariant::NoGil;
    let report = run(variant, 2);
    let steps = counterexample(variant, &report, "RC-S1");
    // The shortest lost update: both threads read the same count before either writes it.
    let loads: Vec<_> = steps
        .iter()
        .filter_map(|a| match *a {
            RcAction::Load {
                thread, obj, value, ..
            } => Some((thread, obj, value)),
            _ => None,
        })
        .collect();
    assert_eq!(loads.len(), 2);
    assert_ne!(loads[0].0, loads[1].0, "two different threads");
    assert_eq!(
        (loads[0].1, loads[0].2),
        (loads[1].1, loads[1].2),
        "same object, same count read"
    );
    assert!(matches!(steps.last(), Some(RcAction::Store { .. })));
    for id in ["RC-S2", "RC-S3", "RC-S4"] {
        assert_eq!(report.verdict(id), Some(Verdict::Violated), "{id}");
    }
    assert_eq!(report.verdict("RC-S5"), Some(Verdict::Holds));
}

#[test]
fn a_decref_without_the_gil_is_made_by_a_detached_thread() {
    let variant = RcVariant::ExtensionWithoutGil;
    let report = run(variant, 2);
    let m = model(variant, 2);
    let steps = counterexample(variant, &report, "RC-S1");
    let mut state = m.init_states().remove(0);
    let mut detached_load = false;
    for action in &steps {
        if let RcAction::Load { thread, .. } = *action {
            detached_load |= state.gil.threads[thread as usize] == Pc::Detached;
        }
        state = m.next_state(&state, action);
    }
    assert!(detached_load, "the racing Py_DECREF runs without the GIL");
}

/// 3.11 counts None, and a program holds thousands of references to it: one missing
/// `Py_INCREF` leaves its count one short (RC-S1) but does not take it to zero (RC-S5 holds);
/// called until the count runs out, `none_dealloc` aborts the process.
#[test]
fn a_missing_incref_on_3_11_miscounts_none_and_repeated_it_aborts() {
    let once = run(RcVariant::MissingIncref311, 2);
    assert_eq!(once.verdict("RC-S1"), Some(Verdict::Violated));
    assert_eq!(once.verdict("RC-S5"), Some(Verdict::Holds));
    let variant = RcVariant::MissingIncrefLoop311;
    let report = run(variant, 2);
    let steps = counterexample(variant, &report, "RC-S5");
    assert!(matches!(
        steps.last(),
        Some(RcAction::Store {
            obj: NONE,
            value: 0,
            frees: true,
            ..
        })
    ));
    // The abort ends the run: nothing is enabled after it, and it counts as final.
    let model = model(variant, 2);
    let mut state = model.init_states().remove(0);
    for action in &steps {
        state = model.next_state(&state, action);
    }
    assert!(model.aborted(&state) && model.is_final(&state));
    let mut after = Vec::new();
    model.actions(&state, &mut after);
    assert!(after.is_empty());
}

#[test]
fn without_the_gil_an_object_is_freed_between_its_lookup_and_its_incref() {
    let variant = RcVariant::NoGil;
    let steps = counterexample(variant, &run(variant, 2), "RC-S2");
    let Some(&RcAction::Store {
        thread: freer,
        obj,
        frees: true,
        ..
    }) = steps.last()
    else {
        panic!("the shortest use after free ends with the freeing store: {steps:?}")
    };
    let lookup = steps
        .iter()
        .position(|a| {
            matches!(*a, RcAction::Lookup { thread, obj: o, found: true } if thread != freer && o == obj)
        })
        .expect("another thread looked the object up");
    assert!(
        !steps[lookup..]
            .iter()
            .any(|a| matches!(*a, RcAction::Load { thread, .. } if thread != freer)),
        "and had not counted its reference yet"
    );
}

#[test]
fn a_refcount_state_packs_into_six_words_and_its_widest_values_read_back() {
    use gilcheck::models::gil::MAX_THREADS;
    use gilcheck::models::refcount::{Op, RcState, Rmw, Work, IMMORTAL, MAX_OBJECTS};
    use gilcheck::pack::Pack;
    assert_eq!(std::mem::size_of::<<RcState as Pack>::Packed>(), 48);
    let gil = model(RcVariant::Cpython312, 3).init_states()[0].gil.clone();
    let slots = MAX_OBJECTS + 1;
    for (loaded, delta, owed) in [
        (i8::MIN, -1, Op::DelLocal(NONE)),
        (IMMORTAL, 1, Op::EndAllowThreads),
        (0, 1, Op::LoadGlobal(MAX_OBJECTS as u8 - 1)),
    ] {
        let work = Work {
            next: 31,
            held: (1 << slots) - 1,
            pending: (1 << slots) - 1,
            owed: Some(owed),
            rmw: Some(Rmw {
                obj: NONE,
                loaded,
                delta,
            }),
            finalizing: true,
        };
        let state = RcState {
            gil: gil.clone(),
            refcnt: [i8::MIN, -1, 0, IMMORTAL],
            frees: [2, 1, 0, 2],
            globals: (1 << slots) - 1,
            work: [work; MAX_THREADS],
        };
        assert_eq!(RcState::unpack(&state.pack()), state);
        let idle = RcState {
            work: [Work::default(); MAX_THREADS],
            ..state
        };
        assert_eq!(RcState::unpack(&idle.pack()), idle);
    }
}

/// Swapping the threads between the first and the last (they run the same program) is a
/// symmetry of every variant: on the first 10,000 states of 4 threads x 1 object, a state and
/// its representative violate the same properties, are final alike, and have the same
/// successors up to their representatives.
#[test]
fn the_middle_threads_are_interchangeable_in_every_variant() {
    use gilcheck::model::Check;
    use gilcheck::variant::Variants;
    use std::collections::{BTreeSet, HashSet, VecDeque};
    for variant in RcVariant::ALL {
        let variant = RcVariant::from_name(variant.name).expect("listed");
        let m = Refcount::new(variant, config(4, 1));
        let successors = |s: &<Refcount as Model>::State| {
            let mut actions = Vec::new();
            m.actions(s, &mut actions);
            let next = actions.iter().map(|a| m.canonical(&m.next_state(s, a)));
            next.map(|t| format!("{t:?}")).collect::<BTreeSet<_>>()
        };
        let (mut seen, mut queue, mut moved) = (HashSet::new(), VecDeque::new(), 0);
        queue.extend(m.init_states());
        while let Some(s) = queue.pop_front() {
            if seen.len() >= 10_000 || !seen.insert(s.clone()) {
                continue;
            }
            let c = m.canonical(&s);
            moved += usize::from(c != s);
            assert_eq!(
                m.canonical(&c),
                c,
                "{variant:?}: a representative represents itself"
            );
            assert_eq!(m.is_final(&s), m.is_final(&c), "{variant:?}");
            for p in m.properties() {
                if let Check::Always(holds) = p.check {
                    assert_eq!(holds(&m, &s), holds(&m, &c), "{variant:?} {}", p.id);
                }
            }
            assert_eq!(successors(&s), successors(&c), "{variant:?}: {s:?}");
            let mut actions = Vec::new();
            m.actions(&s, &mut actions);
            queue.extend(actions.iter().map(|a| m.next_state(&s, a)));
        }
        assert!(
            moved > 0,
            "{variant:?}: some state is not its own representative"
        );
    }
}

/// Symmetry reduction keeps every verdict of every variant at 4 threads x 1 object (about
/// 20 million states each without it: `cargo test -- --ignored`).
#[test]
#[ignore]
fn symmetry_reduction_keeps_every_refcount_verdict() {
    use gilcheck::variant::Variants;
    for variant in RcVariant::ALL {
        let variant = RcVariant::from_name(variant.name).expect("listed");
        let m = Refcount::new(variant, config(4, 1));
        let meta = TraceMeta {
            model: "refcount".into(),
            variant: variant.name().into(),
            config: config(4, 1),
            backend: "explicit".into(),
        };
        let with = |symmetry| {
            let options = Options {
                symmetry,
                max_states: 200_000_000,
                ..Options::default()
            };
            check(&m, &meta, &options)
        };
        let (full, reduced) = (with(false), with(true));
        assert!(full.exhaustive && reduced.exhaustive && reduced.states < full.states);
        assert_eq!(verdicts(&full), verdicts(&reduced), "{variant:?}");
    }
}
