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
/// edge, and the deadline.
pub struct Fair<'g, S: Pack> {
    graph: &'g Graph<S>,
    units: Units,
    fairness: Fairness,
    deadline: Option<Deadline>,
}

/// The fairness unit of each edge.
enum Units {
    /// Its thread (`Graph::actor`): fairness per thread.
    Threads,
    /// Its (thread, label) class: fairness per step.
    Classes(Vec<u32>),
}

/// `Err` with the time limit once `deadline` has passed.
fn in_time(deadline: Option<Deadline>) -> Result<(), String> {
    deadline
        .as_ref()
        .and_then(Deadline::expired)
        .map_or(Ok(()), Err)
}

/// The fairness unit of each edge: its thread, or for `StrongAction` its (thread, label) class.
fn fairness_units<M: Model>(model: &M, graph: &Graph<M::State>, fairness: Fairness) -> Units {
    if fairness != Fairness::StrongAction {
        return Units::Threads;
    }
    let mut classes: FxHashMap<(u8, String), u32> = FxHashMap::default();
    let mut units = Vec::with_capacity(graph.edge_count());
    let mut actions = Vec::new();
    for s in 0..graph.len() {
        actions.clear();
        model.actions(&graph.store.state(s), &mut actions);
        for e in graph.edges(s) {
            let label = model.format_action(&actions[graph.slot(s, e)]);
            let next = classes.len() as u32;
            units.push(*classes.entry((graph.actor(e), label)).or_insert(next));
        }
    }
    Units::Classes(units)
}

impl Units {
    /// The unit of edge `e` of `graph`.
    fn of<S: Pack>(&self, graph: &Graph<S>, e: usize) -> u32 {
        match self {
            Units::Threads => u32::from(graph.actor(e)),
            Units::Classes(units) => units[e],
        }
    }
}

/// Work arrays for finding the fair parts of strongly connected components, a slot per state.
struct Refiner {
    tarjan: Tarjan,
    /// The states of the component being looked at; cleared before the next one.
    member: Vec<bool>,
}

impl Refiner {
    fn new(states: usize) -> Refiner {
        Refiner {
            tarjan: Tarjan::new(states),
            member: vec![false; states],
        }
    }

    /// The parts of the cyclic strongly connected `component` that contain a cycle fair under
    /// `fairness`, added to `fair`.
    fn fair_parts<S: Pack>(
        &mut self,
        graph: &Graph<S>,
        component: Vec<usize>,
        units: &Units,
        fairness: Fairness,
        fair: &mut Vec<Vec<usize>>,
    ) {
        let member = &mut self.member;
        let mut work = vec![component];
        while let Some(component) = work.pop() {
            for &s in &component {
                member[s] = true;
            }
            let taken: FxHashSet<u32> = component
                .iter()
                .flat_map(|&s| graph.edges(s))
                .filter(|&e| member[graph.target(e)])
                .map(|e| units.of(graph, e))
                .collect();
            for &s in &component {
                member[s] = false;
            }
            // A state where a unit never taken inside the component is enabled.
            let starves = |s: usize| graph.edges(s).any(|e| !taken.contains(&units.of(graph, e)));
            match fairness {
                Fairness::WeakThread => {
                    if weakly_fair(graph, &component, units, &taken) {
                        fair.push(component);
                    }
                }
                _ if !component.iter().any(|&s| starves(s)) => fair.push(component),
                _ => {
                    // Strong fairness (Emerson-Lei): fair cycles may remain among the states
                    // where every enabled unit is taken.
                    for &s in &component {
                        member[s] = !starves(s);
                    }
                    let parts =
                        graph.components_among(component.iter().copied(), member, &mut self.tarjan);
                    work.extend(parts);
                    for &s in &component {
                        member[s] = false;
                    }
                }
            }
        }
    }
}

/// Weak fairness: every unit enabled in all of the component's states is taken inside it.
fn weakly_fair<S: Pack>(
    graph: &Graph<S>,
    component: &[usize],
    units: &Units,
    taken: &FxHashSet<u32>,
) -> bool {
    let enabled = |s: usize| {
        graph
            .edges(s)
            .map(|e| units.of(graph, e))
            .collect::<FxHashSet<u32>>()
    };
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
        Fair {
            graph,
            units: fairness_units(model, graph, fairness),
            fairness,
            deadline,
        }
    }

    /// Looks for a fair run that reaches a `trigger` state and then stays in `bad` states
    /// (where the response does not hold); `Err` names the limit that stopped the search.
    pub fn lasso(&self, trigger: &[bool], bad: &[bool]) -> Result<Option<Lasso>, String> {
        in_time(self.deadline)?;
        let (graph, units, fairness) = (self.graph, &self.units, self.fairness);
        let n = graph.len();
        // One pass over the strongly connected components of the `!to` states that a trigger
        // reaches through `!to` states (no lasso passes through any other), each after every
        // component it has an edge to. Accepting: a state in a fair part of a component,
        // or one where the run stops. A component reaches an accepting state when it holds
        // one or has an edge to a component that does.
        let mut components = Vec::new();
        let mut component_of = vec![usize::MAX; n];
        let mut accepting = vec![false; n];
        let mut reaches = vec![false; n];
        let mut refiner = Refiner::new(n);
        let (mut done, mut late) = (0usize, Ok(()));
        let mut tarjan = Tarjan::new(n);
        let roots = (0..n).filter(|&s| trigger[s] && bad[s]);
        graph.each_component(roots, bad, &mut tarjan, |component| {
            done += 1;
            if done.is_multiple_of(256) && late.is_ok() {
                late = in_time(self.deadline);
            }
            if late.is_err() {
                return;
            }
            let root = component[0];
            if component.len() > 1 || graph.edges(root).any(|e| graph.target(e) == root) {
                let first = components.len();
                let states = component.to_vec();
                refiner.fair_parts(graph, states, units, fairness, &mut components);
                for (i, part) in components.iter().enumerate().skip(first) {
                    for &s in part {
                        component_of[s] = i;
                        accepting[s] = true;
                    }
                }
            }
            for &s in component {
                accepting[s] |= graph.edges(s).is_empty();
            }
            let exits = |s: usize| graph.edges(s).any(|e| reaches[graph.target(e)]);
            if component.iter().any(|&s| accepting[s] || exits(s)) {
                for &s in component {
                    reaches[s] = true;
                }
            }
        });
        late?;
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
        let (graph, units) = (self.graph, &self.units);
        let unit = |e: usize| units.of(graph, e);
        let mut member = vec![false; graph.len()];
        for &s in component {
            member[s] = true;
        }
        let member = &member;
        let internal = |x: usize| graph.edges(x).filter(move |&e| member[graph.target(e)]);
        let mut remaining: FxHashSet<u32> = component
            .iter()
            .flat_map(|&x| internal(x))
            .map(unit)
            .collect();
        let mut absent: Vec<u32> = component
            .iter()
            .flat_map(|&x| graph.edges(x))
            .map(unit)
            .filter(|u| !remaining.contains(u))
            .collect();
        absent.sort_unstable();
        absent.dedup();
        let mut steps = Vec::new();
        let mut at = entry;
        while !remaining.is_empty() {
            let to_source = path(graph, at, member, |x| {
                internal(x).any(|e| remaining.contains(&unit(e)))
            });
            let source = to_source.last().map_or(at, |&(_, e)| graph.target(e));
            steps.extend(to_source);
            let edge = internal(source)
                .find(|&e| remaining.contains(&unit(e)))
                .expect("the path ends where such a step starts");
            remaining.remove(&unit(edge));
            steps.push((source, edge));
            at = graph.target(edge);
        }
        for calm in absent {
            let to_calm = path(graph, at, member, |x| {
                !graph.edges(x).any(|e| unit(e) == calm)
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
