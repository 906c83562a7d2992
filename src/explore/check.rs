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
    // Liveness and counting need the whole graph. Without symmetry it is the search's own; with
    // symmetry it is explored again, whole, while the visited set is still held (both count
    // against the memory limit). After a search cut short it would be cut short too.
    let needs_graph = properties.iter().any(|p| p.check.needs_graph());
    let one_exploration = needs_graph && !options.symmetry;
    let Search {
        store,
        edges,
        found,
        premises,
        limit,
        transitions,
        depth,
        memory_bytes,
    } = search(model, &properties, options, one_exploration);
    let exhaustive = limit.is_none();
    let mut store = Some(store);
    let graph = needs_graph.then(|| match (&limit, edges) {
        (Some(limit), _) => (None, limit.clone()),
        (None, Some(edges)) => {
            let store = store.take().expect("not taken yet");
            (Some(Graph::new(store, edges)), String::new())
        }
        (None, None) => {
            let graph_options = Options {
                memory_held: memory_bytes,
                ..options.clone()
            };
            let (graph, cut) = Graph::build(model, &graph_options);
            (Some(graph), cut.unwrap_or_default())
        }
    });
    // The states the safety traces are rebuilt from.
    let store = match (&store, &graph) {
        (Some(store), _) => store,
        (None, Some((Some(graph), _))) => &graph.store,
        (None, _) => unreachable!("the store went into the graph"),
    };
    let premised = |i: usize| premises & (1 << i) != 0;
    let analysis = graph.as_ref().and_then(|(graph, cut)| {
        let graph = graph.as_ref().filter(|_| cut.is_empty())?;
        Some(Analysis::new(model, meta, options, graph))
    });
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
                let (_, cut) = graph.as_ref().expect("built for graph properties");
                let mut result = match &analysis {
                    None => PropertyResult::inconclusive(property.id, property.statement, cut),
                    Some(analysis) => match property.check {
                        Check::LeadsTo { .. } => analysis.liveness(property, vacuity),
                        _ => analysis.count(property, vacuity),
                    },
                };
                result.basis = Basis::Graph;
                return result;
            }
            match (found[i], &limit) {
                (Some(found), _) => {
                    let (trace, last) =
                        rebuild(model, store, meta, found, &property.check, options);
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
        states: store.len(),
        transitions,
        depth,
        seconds: start.elapsed().as_secs_f64(),
        symmetry: options.symmetry,
        memory_bytes,
        exhaustive,
        graph: graph_stats,
        limit,
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::explore::toy::{meta, Torus, Toy};
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

    /// The search looks at the clock on its first step, then every 4096 steps: a deadline
    /// already passed leaves every property undecided.
    #[test]
    fn a_passed_deadline_leaves_every_property_undecided() {
        let late = Options {
            deadline: Some(Deadline::after(0.0)),
            ..Options::default()
        };
        let report = check(&Toy, &meta(), &late);
        assert_eq!(report.states, 2, "the first step was taken");
        for result in &report.results {
            assert_eq!(result.verdict, Verdict::Inconclusive, "{}", result.id);
            assert_eq!(result.limit.as_deref(), Some("time limit 0 s reached"));
        }
        assert_eq!(report.limit.as_deref(), Some("time limit 0 s reached"));
    }

    /// Without symmetry liveness is decided on the search's own graph: one exploration.
    #[test]
    fn without_symmetry_the_graph_is_the_searchs_own() {
        let report = check(&Toy, &meta(), &Options::default());
        let graph = report.graph.expect("liveness needs the graph");
        assert_eq!(
            (graph.states, graph.transitions),
            (report.states, report.transitions)
        );
        let safety = Options {
            properties: vec!["T-S1".into()],
            ..Options::default()
        };
        let alone = check(&Toy, &meta(), &safety).memory_bytes;
        assert!(report.memory_bytes > alone, "the edges are held as well");
    }

    /// With symmetry the whole graph is explored again, and gets what the search's visited
    /// set leaves of the memory limit.
    #[test]
    fn with_symmetry_the_graph_gets_only_the_memory_the_search_left() {
        let symmetric = Options {
            symmetry: true,
            ..Options::default()
        };
        let search = check(&Torus, &meta(), &symmetric).memory_bytes;
        let just_the_search = Options {
            max_memory: search,
            ..symmetric
        };
        let report = check(&Torus, &meta(), &just_the_search);
        assert_eq!(report.verdict("T-S1"), Some(Verdict::Violated));
        assert_eq!(report.verdict("T-L1"), Some(Verdict::Inconclusive));
        let limit = format!("memory limit {} MiB reached", search >> 20);
        assert_eq!(report.limit, Some(limit));
    }
}
