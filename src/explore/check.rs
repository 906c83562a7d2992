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
                    max_memory: options.max_memory.saturating_sub(store.memory_bytes()),
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
