//! A check from start to end: the search (safety, deadlock, reachability), then, for liveness
//! and counting properties, the whole state graph and its analysis, and the report.

use super::analysis::Analysis;
use super::bfs::{rebuild, search, Search};
use super::graph::Graph;
use super::options::Options;
use super::report::{Basis, GraphStats, PropertyResult, Report, Verdict};
use crate::model::{Check, Model, Property};
use crate::trace::TraceMeta;
use std::time::Instant;

/// Explores every state reachable in `model` and decides each property.
pub fn check<M: Model>(model: &M, meta: &TraceMeta, options: &Options) -> Report {
    let start = Instant::now();
    let properties: Vec<Property<M>> = model
        .properties()
        .into_iter()
        .filter(|p| options.wants(p.id))
        .collect();
    let Search {
        store,
        found,
        premises,
        limit,
        transitions,
        depth,
    } = search(model, &properties, options);
    let exhaustive = limit.is_none();
    // Liveness and counting need the whole graph; after a search cut short it would be cut
    // short too. It is built while the visited set is still held: both count against the
    // memory limit.
    let graph = properties
        .iter()
        .any(|p| p.check.needs_graph())
        .then(|| match &limit {
            Some(limit) => (None, limit.clone()),
            None => {
                let graph_options = Options {
                    memory_held: store.memory_bytes(),
                    ..options.clone()
                };
                let (graph, cut) = Graph::build(model, &graph_options);
                (Some(graph), cut.unwrap_or_default())
            }
        });
    let premised = |i: usize| premises & (1 << i) != 0;
    let results: Vec<PropertyResult> = properties
        .iter()
        .enumerate()
        .map(|(i, property)| {
            let vacuity = property
                .premise
                .as_ref()
                .filter(|_| !premised(i))
                .map(|p| p.what);
            if property.check.needs_graph() {
                let (graph, cut) = graph.as_ref().expect("built for graph properties");
                let graph = graph.as_ref().filter(|_| cut.is_empty());
                let mut result = match graph {
                    None => PropertyResult::inconclusive(property.id, property.statement, cut),
                    Some(graph) => {
                        let analysis = Analysis {
                            model,
                            meta,
                            options,
                            graph,
                            vacuity,
                        };
                        match property.check {
                            Check::LeadsTo { .. } => analysis.liveness(property),
                            _ => analysis.count(property),
                        }
                    }
                };
                result.basis = Basis::Graph;
                return result;
            }
            match (found[i], &limit) {
                (Some(found), _) => {
                    let (trace, last) =
                        rebuild(model, &store, meta, found, &property.check, options);
                    let (id, statement) = (property.id, property.statement);
                    if matches!(
                        property.check,
                        Check::Sometimes(_) | Check::SometimesStep(_)
                    ) {
                        let witness = format!("witness for {id}: {statement}");
                        let mut result = PropertyResult::new(id, statement, Verdict::Holds);
                        result.trace = Some(trace.about(id, witness).witnessing());
                        result
                    } else {
                        let mut trace = trace.violating(id, statement);
                        if let Some(why) = model.explain(id, &last) {
                            trace.outcome = format!("{}: {why}", trace.outcome);
                        }
                        let mut result = PropertyResult::new(id, statement, Verdict::Violated);
                        result.trace = Some(trace);
                        result
                    }
                }
                (None, Some(limit)) => {
                    PropertyResult::inconclusive(property.id, property.statement, limit)
                }
                (None, None) => match (vacuity, &property.check) {
                    (Some(never), _) => {
                        PropertyResult::vacuous(property.id, property.statement, never)
                    }
                    (None, Check::Always(_) | Check::DeadlockFree) => {
                        PropertyResult::new(property.id, property.statement, Verdict::Holds)
                    }
                    (None, _) => {
                        PropertyResult::new(property.id, property.statement, Verdict::Violated)
                    }
                },
            }
        })
        .collect();

    let graph_stats = graph.as_ref().map(|(graph, cut)| GraphStats {
        states: graph.as_ref().map_or(0, Graph::len),
        transitions: graph.as_ref().map_or(0, Graph::edge_count),
        limit: (!cut.is_empty()).then(|| cut.clone()),
    });
    let limit = limit.or_else(|| results.iter().find_map(|r| r.limit.clone()));
    Report {
        states: store.states.len(),
        transitions,
        depth,
        seconds: start.elapsed().as_secs_f64(),
        symmetry: options.symmetry,
        memory_bytes: store.memory_bytes(),
        exhaustive,
        graph: graph_stats,
        limit,
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::explore::graph::Graph;
    use crate::explore::toy::{meta, Toy};
    use crate::explore::{Deadline, Numbers, Options, Verdict};

    fn verdicts(options: &Options) -> Vec<(String, Verdict)> {
        let report = check(&Toy, &meta(), options);
        report
            .results
            .iter()
            .map(|r| (r.id.clone(), r.verdict))
            .collect()
    }

    #[test]
    fn the_toy_checks_as_worked_out_by_hand() {
        let report = check(&Toy, &meta(), &Options::default());
        assert_eq!(
            (report.states, report.transitions, report.depth),
            (9, 18, 4)
        );
        assert!(report.exhaustive && report.limit.is_none());
        let steps = |id: &str| {
            report
                .result(id)
                .unwrap()
                .trace
                .as_ref()
                .map(|t| t.steps.len())
        };
        assert_eq!(report.verdict("T-S1"), Some(Verdict::Violated));
        assert_eq!(steps("T-S1"), Some(2));
        assert_eq!(report.verdict("T-R1"), Some(Verdict::Holds));
        assert_eq!(steps("T-R1"), Some(2));
        assert_eq!(report.verdict("T-R2"), Some(Verdict::Holds));
        assert_eq!(steps("T-R2"), Some(2));
        assert_eq!(report.verdict("T-S2"), Some(Verdict::Holds));
        assert_eq!(report.verdict("T-L1"), Some(Verdict::Violated));
        let count = |id: &str| report.result(id).unwrap().numbers;
        let numbers = |min, max| Some(Numbers { min, max });
        assert_eq!(report.verdict("T-B1"), Some(Verdict::Violated));
        assert_eq!(count("T-B1"), numbers(Some(0), None));
        assert_eq!(report.verdict("T-B2"), Some(Verdict::Violated));
        assert_eq!(count("T-B2"), numbers(Some(0), None));
        let graph = report.graph.as_ref().expect("liveness needs the graph");
        assert_eq!((graph.states, graph.transitions), (9, 18));
        assert_eq!(graph.limit, None);
    }

    #[test]
    fn only_the_properties_asked_for_are_checked() {
        let options = Options {
            properties: vec!["T-R1".into(), "T-B2".into()],
            ..Options::default()
        };
        assert_eq!(
            verdicts(&options),
            [
                ("T-R1".into(), Verdict::Holds),
                ("T-B2".into(), Verdict::Violated)
            ]
        );
    }

    #[test]
    fn a_state_limit_of_exactly_the_states_needed_cuts_nothing() {
        let exact = Options {
            max_states: 9,
            ..Options::default()
        };
        let report = check(&Toy, &meta(), &exact);
        assert!(report.exhaustive && report.limit.is_none());
        assert_eq!(report.verdict("T-L1"), Some(Verdict::Violated));
        let short = Options {
            max_states: 8,
            ..Options::default()
        };
        let report = check(&Toy, &meta(), &short);
        assert_eq!(report.limit.as_deref(), Some("state limit 8 reached"));
        assert_eq!(report.verdict("T-R1"), Some(Verdict::Holds));
        assert_eq!(report.verdict("T-S2"), Some(Verdict::Inconclusive));
        assert_eq!(report.verdict("T-L1"), Some(Verdict::Inconclusive));
        let graph = report.graph.expect("asked for");
        assert_eq!(graph.limit.as_deref(), Some("state limit 8 reached"));
    }

    #[test]
    fn a_passed_deadline_leaves_the_graph_properties_undecided() {
        let late = Options {
            deadline: Some(Deadline::after(0.0)),
            ..Options::default()
        };
        let report = check(&Toy, &meta(), &late);
        // The search itself looks at the clock every 4096 steps: the toy's is done before.
        assert_eq!(report.verdict("T-S1"), Some(Verdict::Violated));
        assert_eq!(report.verdict("T-R1"), Some(Verdict::Holds));
        for id in ["T-L1", "T-B1", "T-B2"] {
            let result = report.result(id).unwrap();
            assert_eq!(result.verdict, Verdict::Inconclusive, "{id}");
            assert_eq!(result.limit.as_deref(), Some("time limit 0 s reached"));
        }
        assert_eq!(report.limit.as_deref(), Some("time limit 0 s reached"));
    }

    /// The graph for liveness gets what the search's visited set leaves of the memory limit.
    #[test]
    fn the_graph_gets_only_the_memory_the_search_left() {
        let search = check(&Toy, &meta(), &Options::default()).memory_bytes;
        // What the graph holds once it has expanded its first state (where it first looks).
        let none = Options {
            max_memory: 0,
            ..Options::default()
        };
        let first = Graph::build(&Toy, &none).0.memory_bytes();
        assert!(
            first <= search,
            "{first} > {search}: the test needs a bigger toy"
        );
        let just_the_search = Options {
            max_memory: search,
            ..Options::default()
        };
        let report = check(&Toy, &meta(), &just_the_search);
        assert_eq!(report.verdict("T-S1"), Some(Verdict::Violated));
        assert_eq!(report.verdict("T-L1"), Some(Verdict::Inconclusive));
        assert_eq!(report.limit.as_deref(), Some("memory limit 0 MiB reached"));
    }
}
