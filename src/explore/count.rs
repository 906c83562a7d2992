//! Counting properties: how many counted steps a run takes from a trigger state until a response
//! state. The smallest number is a 0-1 breadth-first search from every trigger; the largest is
//! unbounded when a cycle of non-response states that contains a counted step is reachable from
//! a trigger, and otherwise a longest path over the strongly connected components.

use super::graph::Graph;
use super::liveness::{path, path_from};
use crate::model::{Check, Model};
use crate::pack::Pack;
use std::collections::VecDeque;

/// The numbers for one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Fewest counted steps on a run from a trigger to a response (`None`: no trigger leads to
    /// a response).
    pub min: Option<usize>,
    /// Most counted steps (`None`: unbounded).
    pub max: Option<usize>,
    /// When unbounded: `(source, edge)` steps from a trigger through open states to a cycle
    /// that takes a counted step, then that cycle (from index `cycle_from`).
    pub cycle: Vec<(usize, usize)>,
    /// Where the cycle starts in `cycle`.
    pub cycle_from: usize,
    /// The response state reached with the fewest counted steps, and the 0-1 search's parent
    /// edges to rebuild that run from its trigger.
    pub min_path: Vec<(usize, usize)>,
}

/// The counts for one thread: `trigger[s]` and `done[s]` say whether its trigger and its
/// response hold in state `s`, `counted[e]` whether edge `e` is counted.
pub fn counts<S: Pack>(
    graph: &Graph<S>,
    trigger: &[bool],
    counted: &[bool],
    done: &[bool],
) -> Counts {
    let n = graph.len();
    let triggers: Vec<usize> = (0..n).filter(|&s| trigger[s]).collect();
    // States a trigger reaches without a response first.
    let mut open = vec![false; n];
    let mut queue: VecDeque<usize> = triggers.iter().copied().filter(|&s| !done[s]).collect();
    for &s in &queue {
        open[s] = true;
    }
    while let Some(s) = queue.pop_front() {
        for e in graph.edges(s) {
            let next = graph.target(e);
            if !done[next] && !open[next] {
                open[next] = true;
                queue.push_back(next);
            }
        }
    }
    // Smallest: 0-1 BFS from the triggers to a response.
    let mut distance = vec![usize::MAX; n];
    let mut parent: Vec<Option<(usize, usize)>> = vec![None; n];
    let mut closest = None;
    let mut deque = VecDeque::new();
    for &s in &triggers {
        distance[s] = 0;
        deque.push_back(s);
    }
    let mut min = None;
    while let Some(s) = deque.pop_front() {
        if done[s] {
            if min.is_none_or(|m| distance[s] < m) {
                min = Some(distance[s]);
                closest = Some(s);
            }
            continue;
        }
        for e in graph.edges(s) {
            let next = graph.target(e);
            let d = distance[s] + usize::from(counted[e]);
            if d < distance[next] {
                distance[next] = d;
                parent[next] = Some((s, e));
                if counted[e] {
                    deque.push_back(next);
                } else {
                    deque.push_front(next);
                }
            }
        }
    }
    let mut min_path = Vec::new();
    let mut at = closest;
    while let Some(s) = at {
        at = parent[s].map(|(p, e)| {
            min_path.push((p, e));
            p
        });
    }
    min_path.reverse();
    // Largest: unbounded if a component of open states has a counted edge inside.
    let components = graph.components(&open);
    let mut component_of = vec![usize::MAX; n];
    for (i, c) in components.iter().enumerate() {
        for &s in c {
            component_of[s] = i;
        }
    }
    for c in &components {
        for &s in c {
            let inside = graph
                .edges(s)
                .find(|&e| counted[e] && component_of[graph.target(e)] == component_of[s]);
            if let Some(e) = inside {
                // From an open trigger to the cycle, through open states.
                let open_triggers = triggers.iter().copied().filter(|&t| open[t]);
                let mut cycle = path_from(graph, open_triggers, &open, |x| x == s);
                let cycle_from = cycle.len();
                cycle.push((s, e));
                cycle.extend(path(graph, graph.target(e), &open, |x| x == s));
                return Counts {
                    min,
                    max: None,
                    cycle,
                    cycle_from,
                    min_path,
                };
            }
        }
    }
    // No counted cycle: the longest path over the condensation (components and single
    // states), whose edges inside a component are all uncounted.
    let mut members: Vec<Vec<usize>> = components;
    for s in 0..n {
        if open[s] && component_of[s] == usize::MAX {
            component_of[s] = members.len();
            members.push(vec![s]);
        }
    }
    let mut best = vec![usize::MAX; members.len()];
    let mut max = 0;
    for &root in triggers.iter().filter(|&&s| open[s]) {
        max = max.max(longest(
            graph,
            component_of[root],
            &members,
            &component_of,
            counted,
            &mut best,
        ));
    }
    Counts {
        min,
        max: Some(max),
        cycle: Vec::new(),
        cycle_from: 0,
        min_path,
    }
}

/// The most counted edges on a path from component `root` out of the open states, by an
/// iterative post-order over the condensation (a DAG).
fn longest<S: Pack>(
    graph: &Graph<S>,
    root: usize,
    members: &[Vec<usize>],
    component_of: &[usize],
    counted: &[bool],
    best: &mut [usize],
) -> usize {
    let exits = |c: usize| {
        members[c].iter().flat_map(move |&s| {
            graph.edges(s).filter_map(move |e| {
                let target = component_of[graph.target(e)];
                (target != c).then_some((e, target))
            })
        })
    };
    let mut stack = vec![(root, false)];
    while let Some((c, expanded)) = stack.pop() {
        if best[c] != usize::MAX {
            continue;
        }
        if !expanded {
            stack.push((c, true));
            for (_, target) in exits(c) {
                if target != usize::MAX && best[target] == usize::MAX {
                    stack.push((target, false));
                }
            }
            continue;
        }
        best[c] = exits(c)
            .map(|(e, target)| {
                let tail = if target == usize::MAX {
                    0
                } else {
                    best[target]
                };
                usize::from(counted[e]) + tail
            })
            .max()
            .unwrap_or(0);
    }
    best[root]
}

/// The most counted steps thread `t` takes between a trigger and a response along one run
/// (`actions` applied from `init`) for the counting property `check`; a trigger still open at
/// the end counts what it has.
pub fn run_count<M: Model>(
    model: &M,
    init: &M::State,
    actions: &[M::Action],
    check: &Check<M>,
    t: usize,
) -> usize {
    let Check::Count {
        from, count, to, ..
    } = *check
    else {
        panic!("run_count needs a counting property")
    };
    let mut state = init.clone();
    let mut open: Option<usize> = None;
    let mut most = 0;
    for action in actions {
        if open.is_none() && from(model, &state, t) && !to(model, &state, t) {
            open = Some(0);
        }
        let next = model.next_state(&state, action);
        if let Some(n) = open.as_mut() {
            *n += usize::from(count(model, &state, action, &next, t));
            most = most.max(*n);
            if to(model, &next, t) {
                open = None;
            }
        }
        state = next;
    }
    most
}
