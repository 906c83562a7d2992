//! Liveness under fairness. `from ~> to` fails exactly when some fair run reaches a state where
//! `from` holds and `to` does not, and then never reaches `to`: a lasso made of a prefix, a path
//! of `!to` states, and either a cycle of `!to` states that the fairness assumption allows or a
//! state where the run stops. Fair cycles are found per strongly connected component of the
//! `!to` subgraph: for weak fairness a component is fair when every thread enabled in all its
//! states takes a step inside it; for strong fairness, units (threads or steps) enabled in it but
//! never taken inside it are removed with every state that enables them, and the rest is
//! decomposed again (the Emerson–Lei refinement for Streett conditions).

use super::graph::{Graph, Tarjan};
use super::options::Deadline;
use crate::model::{Fairness, Model};
use crate::pack::Pack;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::VecDeque;

/// A fair run that refutes a leads-to property, as edges of the graph.
pub struct Lasso {
    /// Initial state index.
    pub init: usize,
    /// `(source state, edge)` pairs, prefix first.
    pub steps: Vec<(usize, usize)>,
    /// Index in `steps` where the repeating cycle starts; `None` when the run stops in the last
    /// state (nothing is enabled there).
    pub cycle: Option<usize>,
}

/// What every leads-to check of one graph under one fairness shares: the fairness unit of each
/// edge, the predecessors of each state, and the deadline.
pub struct Fair<'g, S: Pack> {
    graph: &'g Graph<S>,
    units: Vec<u32>,
    predecessors: Vec<Vec<u32>>,
    fairness: Fairness,
    deadline: Option<Deadline>,
}

/// `Err` with the time limit once `deadline` has passed.
fn in_time(deadline: Option<Deadline>) -> Result<(), String> {
    deadline
        .as_ref()
        .and_then(Deadline::expired)
        .map_or(Ok(()), Err)
}

/// The fairness unit of each edge: its thread, or for `StrongAction` its (thread, label) class.
fn fairness_units<M: Model>(model: &M, graph: &Graph<M::State>, fairness: Fairness) -> Vec<u32> {
    if fairness != Fairness::StrongAction {
        return (0..graph.edge_count())
            .map(|e| u32::from(graph.actor(e)))
            .collect();
    }
    let mut classes: FxHashMap<(u8, String), u32> = FxHashMap::default();
    let mut units = Vec::with_capacity(graph.edge_count());
    let mut actions = Vec::new();
    for s in 0..graph.len() {
        actions.clear();
        model.actions(&graph.store.state(s), &mut actions);
        for e in graph.edges(s) {
            let label = model.format_action(&actions[graph.slot(e)]);
            let next = classes.len() as u32;
            units.push(*classes.entry((graph.actor(e), label)).or_insert(next));
        }
    }
    units
}

/// The components of the subgraph `inside` that contain a cycle fair under `fairness`.
fn fair_components<S: Pack>(
    graph: &Graph<S>,
    inside: &[bool],
    units: &[u32],
    fairness: Fairness,
    deadline: Option<Deadline>,
) -> Result<Vec<Vec<usize>>, String> {
    let mut fair = Vec::new();
    let mut tarjan = Tarjan::new(graph.len());
    let mut work = graph.components_among(0..graph.len(), inside, &mut tarjan);
    // The current component's states; cleared before the next one.
    let mut member = vec![false; graph.len()];
    let mut done = 0usize;
    while let Some(component) = work.pop() {
        done += 1;
        if done.is_multiple_of(256) {
            in_time(deadline)?;
        }
        for &s in &component {
            member[s] = true;
        }
        let taken: FxHashSet<u32> = component
            .iter()
            .flat_map(|&s| graph.edges(s))
            .filter(|&e| member[graph.target(e)])
            .map(|e| units[e])
            .collect();
        for &s in &component {
            member[s] = false;
        }
        // A state where a unit never taken inside the component is enabled.
        let starves = |s: usize| graph.edges(s).any(|e| !taken.contains(&units[e]));
        match fairness {
            Fairness::WeakThread => {
                if weakly_fair(graph, &component, units, &taken) {
                    fair.push(component);
                }
            }
            _ if !component.iter().any(|&s| starves(s)) => fair.push(component),
            _ => {
                // Strong fairness (Emerson-Lei): fair cycles may remain among the states where
                // every enabled unit is taken.
                for &s in &component {
                    member[s] = !starves(s);
                }
                let parts = graph.components_among(component.iter().copied(), &member, &mut tarjan);
                work.extend(parts);
                for &s in &component {
                    member[s] = false;
                }
            }
        }
    }
    Ok(fair)
}

/// Weak fairness: every unit enabled in all of the component's states is taken inside it.
fn weakly_fair<S: Pack>(
    graph: &Graph<S>,
    component: &[usize],
    units: &[u32],
    taken: &FxHashSet<u32>,
) -> bool {
    let enabled = |s: usize| graph.edges(s).map(|e| units[e]).collect::<FxHashSet<u32>>();
    let mut always = enabled(component[0]);
    for &s in &component[1..] {
        let here = enabled(s);
        always.retain(|u| here.contains(u));
    }
    always.iter().all(|u| taken.contains(u))
}

/// A shortest path of `(source, edge)` steps from `start` to a state satisfying `goal`, through
/// states in `allowed` only.
pub(super) fn path<S: Pack>(
    graph: &Graph<S>,
    start: usize,
    allowed: &[bool],
    goal: impl Fn(usize) -> bool,
) -> Vec<(usize, usize)> {
    path_from(graph, [start], allowed, goal)
}

/// A shortest path of `(source, edge)` steps from any of `starts` to a state satisfying `goal`,
/// through states in `allowed` only (the goal must be reachable so).
pub(super) fn path_from<S: Pack>(
    graph: &Graph<S>,
    starts: impl IntoIterator<Item = usize>,
    allowed: &[bool],
    goal: impl Fn(usize) -> bool,
) -> Vec<(usize, usize)> {
    let mut parent: FxHashMap<usize, Option<(usize, usize)>> = FxHashMap::default();
    let mut queue = VecDeque::new();
    for start in starts {
        if goal(start) {
            return Vec::new();
        }
        parent.insert(start, None);
        queue.push_back(start);
    }
    while let Some(s) = queue.pop_front() {
        for e in graph.edges(s) {
            let t = graph.target(e);
            if !allowed[t] || parent.contains_key(&t) {
                continue;
            }
            parent.insert(t, Some((s, e)));
            if goal(t) {
                let mut steps = Vec::new();
                let mut at = t;
                while let Some((s, e)) = parent[&at] {
                    steps.push((s, e));
                    at = s;
                }
                steps.reverse();
                return steps;
            }
            queue.push_back(t);
        }
    }
    unreachable!("the goal is reachable inside the allowed states")
}

impl<'g, S: Pack> Fair<'g, S> {
    /// What the checks of `graph` under `fairness` share; they stop at `deadline`.
    pub fn new<M: Model<State = S>>(
        model: &M,
        graph: &'g Graph<S>,
        fairness: Fairness,
        deadline: Option<Deadline>,
    ) -> Self {
        let mut predecessors: Vec<Vec<u32>> = vec![Vec::new(); graph.len()];
        for s in 0..graph.len() {
            for e in graph.edges(s) {
                predecessors[graph.target(e)].push(s as u32);
            }
        }
        Fair {
            graph,
            units: fairness_units(model, graph, fairness),
            predecessors,
            fairness,
            deadline,
        }
    }

    /// Looks for a fair run that reaches a `trigger` state and then stays in `bad` states
    /// (where the response does not hold); `Err` names the limit that stopped the search.
    pub fn lasso(&self, trigger: &[bool], bad: &[bool]) -> Result<Option<Lasso>, String> {
        in_time(self.deadline)?;
        let (graph, units, fairness) = (self.graph, &self.units[..], self.fairness);
        let n = graph.len();
        let components = fair_components(graph, bad, units, fairness, self.deadline)?;
        let mut component_of = vec![usize::MAX; n];
        for (i, c) in components.iter().enumerate() {
            for &s in c {
                component_of[s] = i;
            }
        }
        let stops = |s: usize| graph.edges(s).is_empty();
        let accepting: Vec<bool> = (0..n)
            .map(|s| component_of[s] != usize::MAX || (bad[s] && stops(s)))
            .collect();
        // States that reach an accepting state through `!to` states.
        let mut reaches = accepting.clone();
        let mut queue: VecDeque<usize> = (0..n).filter(|&s| accepting[s]).collect();
        while let Some(s) = queue.pop_front() {
            for &p in &self.predecessors[s] {
                let p = p as usize;
                if bad[p] && !reaches[p] {
                    reaches[p] = true;
                    queue.push_back(p);
                }
            }
        }
        // States are in BFS order: the first trigger found has a shortest prefix.
        let Some(trigger) = (0..n).find(|&s| reaches[s] && trigger[s]) else {
            return Ok(None);
        };
        let (init, mut steps) = graph.prefix(trigger);
        let into = path(graph, trigger, bad, |s| accepting[s]);
        let entry = into.last().map_or(trigger, |&(_, e)| graph.target(e));
        steps.extend(into);
        let Some(component) = components.get(component_of[entry]) else {
            return Ok(Some(Lasso {
                init,
                steps,
                cycle: None,
            }));
        };
        let cycle_start = steps.len();
        steps.extend(self.tour(component, entry));
        Ok(Some(Lasso {
            init,
            steps,
            cycle: Some(cycle_start),
        }))
    }

    /// A cycle through the fair `component` from `entry` back to it that is itself fair: it
    /// takes a step of every unit taken inside the component, and visits, for every unit
    /// enabled somewhere in it but never taken inside, a state where that unit is disabled
    /// (such a state exists in a weakly fair component; in a strongly fair one there is no
    /// such unit).
    fn tour(&self, component: &[usize], entry: usize) -> Vec<(usize, usize)> {
        let (graph, units) = (self.graph, &self.units[..]);
        let mut member = vec![false; graph.len()];
        for &s in component {
            member[s] = true;
        }
        let member = &member;
        let internal = |x: usize| graph.edges(x).filter(move |&e| member[graph.target(e)]);
        let mut remaining: FxHashSet<u32> = component
            .iter()
            .flat_map(|&x| internal(x))
            .map(|e| units[e])
            .collect();
        let mut absent: Vec<u32> = component
            .iter()
            .flat_map(|&x| graph.edges(x))
            .map(|e| units[e])
            .filter(|u| !remaining.contains(u))
            .collect();
        absent.sort_unstable();
        absent.dedup();
        let mut steps = Vec::new();
        let mut at = entry;
        while !remaining.is_empty() {
            let to_source = path(graph, at, member, |x| {
                internal(x).any(|e| remaining.contains(&units[e]))
            });
            let source = to_source.last().map_or(at, |&(_, e)| graph.target(e));
            steps.extend(to_source);
            let edge = internal(source)
                .find(|&e| remaining.contains(&units[e]))
                .expect("the path ends where such a step starts");
            remaining.remove(&units[edge]);
            steps.push((source, edge));
            at = graph.target(edge);
        }
        for unit in absent {
            let to_calm = path(graph, at, member, |x| {
                !graph.edges(x).any(|e| units[e] == unit)
            });
            at = to_calm.last().map_or(at, |&(_, e)| graph.target(e));
            steps.extend(to_calm);
        }
        steps.extend(path(graph, at, member, |x| x == entry));
        steps
    }
}

#[cfg(test)]
mod tests {
    use super::Fair;
    use crate::explore::graph::Graph;
    use crate::explore::toy::Toy;
    use crate::explore::{Deadline, Options};
    use crate::model::Fairness;

    /// T0's trigger (at 1) and the states where it is not answered (not done).
    fn t0(graph: &Graph<[u8; 2]>) -> (Vec<bool>, Vec<bool>) {
        let states: Vec<[u8; 2]> = (0..graph.len()).map(|s| graph.store.state(s)).collect();
        (
            states.iter().map(|s| s[0] == 1).collect(),
            states.iter().map(|s| s[0] != 2).collect(),
        )
    }

    #[test]
    fn a_thread_going_back_and_forth_is_fair_only_to_weak_and_per_thread_fairness() {
        let (graph, _) = Graph::build(&Toy, &Options::default());
        let (trigger, bad) = t0(&graph);
        for fairness in [Fairness::WeakThread, Fairness::StrongThread] {
            let lasso = Fair::new(&Toy, &graph, fairness, None)
                .lasso(&trigger, &bad)
                .expect("no deadline")
                .expect("T0 may go back forever");
            let cycle = lasso.cycle.expect("a cycle");
            // The prefix reaches T0 at 1; the cycle returns to where it starts.
            let (first, _) = lasso.steps[cycle];
            let (_, last) = lasso.steps[lasso.steps.len() - 1];
            assert_eq!(graph.target(last), first);
            assert_eq!(lasso.init, 0);
        }
        // Strong fairness per step: `Stop`, enabled at 1 infinitely often, is taken.
        let strong = Fair::new(&Toy, &graph, Fairness::StrongAction, None);
        assert!(strong.lasso(&trigger, &bad).expect("no deadline").is_none());
    }

    #[test]
    fn a_passed_deadline_stops_the_search_for_a_lasso() {
        let (graph, _) = Graph::build(&Toy, &Options::default());
        let (trigger, bad) = t0(&graph);
        let late = Fair::new(
            &Toy,
            &graph,
            Fairness::WeakThread,
            Some(Deadline::after(0.0)),
        );
        assert_eq!(
            late.lasso(&trigger, &bad).err().as_deref(),
            Some("time limit 0 s reached")
        );
        let early = Fair::new(
            &Toy,
            &graph,
            Fairness::WeakThread,
            Some(Deadline::after(3600.0)),
        );
        assert!(early.lasso(&trigger, &bad).expect("in time").is_some());
    }
}
