//! The whole state graph, every edge kept, for liveness. No symmetry reduction: fairness and
//! per-thread properties need thread identities. Edges are stored compactly (targets, the
//! action's position in its source's action list, the actor), and strongly connected
//! components of any induced subgraph are found with an iterative Tarjan.

use super::expand::{expand, BATCH};
use super::store::{Store, NO_PARENT};
use super::Options;
use crate::model::Model;
use crate::pack::Pack;

/// Actor of a step by no thread.
pub const NO_ACTOR: u8 = u8::MAX;

/// Tarjan's index of a state not visited yet.
const UNSEEN: u32 = u32::MAX;

/// Tarjan's work arrays, a slot per state, reused across searches of one graph; a search
/// leaves them as it found them.
pub struct Tarjan {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    /// States the current search visited (to reset their index).
    seen: Vec<usize>,
}

impl Tarjan {
    /// Work arrays for a graph of `states` states.
    pub fn new(states: usize) -> Tarjan {
        Tarjan {
            index: vec![UNSEEN; states],
            low: vec![0; states],
            on_stack: vec![false; states],
            seen: Vec::new(),
        }
    }

    /// Tarjan's first visit of `v`: number it and push it.
    fn visit(&mut self, v: usize, stack: &mut Vec<usize>) {
        let number = self.seen.len() as u32;
        self.index[v] = number;
        self.low[v] = number;
        self.on_stack[v] = true;
        self.seen.push(v);
        stack.push(v);
    }
}

/// The reachable state graph.
pub struct Graph<S: Pack> {
    /// States in BFS order, with BFS parents (shortest prefixes).
    pub store: Store<S>,
    /// Edges of state `i` are `offsets[i]..offsets[i + 1]`.
    offsets: Vec<u32>,
    targets: Vec<u32>,
    slots: Vec<u16>,
    actors: Vec<u8>,
}

impl<S: Pack> Graph<S> {
    /// Explores every reachable state of `model`; with the limit that stopped it, if one did
    /// (the graph is then partial).
    pub fn build<M: Model<State = S>>(model: &M, options: &Options) -> (Graph<S>, Option<String>) {
        let mut graph = Graph {
            store: Store::new(),
            offsets: vec![0],
            targets: Vec::new(),
            slots: Vec::new(),
            actors: Vec::new(),
        };
        for init in model.init_states() {
            graph.store.insert(init, NO_PARENT);
        }
        let mut next = 0;
        while next < graph.store.states.len() {
            let batch = next..graph.store.states.len().min(next + BATCH);
            next = batch.end;
            let expanded = expand(
                model,
                &graph.store.states[batch.clone()],
                false,
                options.workers,
                &|_, _, _, _| 0,
            );
            options.report_progress(graph.store.states.len());
            for (head, successors) in batch.zip(expanded) {
                for (slot, successor) in successors.into_iter().enumerate() {
                    graph
                        .actors
                        .push(model.actor(&successor.action).map_or(NO_ACTOR, |t| t as u8));
                    let (target, _) =
                        graph
                            .store
                            .intern_hashed(successor.stored, successor.hash, head as u32);
                    graph.targets.push(target as u32);
                    graph.slots.push(slot as u16);
                }
                graph.offsets.push(graph.targets.len() as u32);
                let mut limit = options.too_many(graph.store.states.len());
                if limit.is_none() && head.is_multiple_of(1024) {
                    limit = options.exceeded(graph.memory_bytes());
                }
                if limit.is_some() {
                    return (graph, limit);
                }
            }
        }
        (graph, None)
    }

    /// Bytes held by the states, the index table and the edges.
    pub fn memory_bytes(&self) -> usize {
        self.store.memory_bytes()
            + self.offsets.capacity() * 4
            + self.targets.capacity() * 4
            + self.slots.capacity() * 2
            + self.actors.capacity()
    }

    /// Number of states.
    pub fn len(&self) -> usize {
        self.store.states.len()
    }

    /// Edge indices leaving state `s`.
    pub fn edges(&self, s: usize) -> std::ops::Range<usize> {
        self.offsets[s] as usize..self.offsets[s + 1] as usize
    }

    /// Target of edge `e`.
    pub fn target(&self, e: usize) -> usize {
        self.targets[e] as usize
    }

    /// Position of edge `e`'s action in its source's action list.
    pub fn slot(&self, e: usize) -> usize {
        self.slots[e] as usize
    }

    /// Thread that takes edge `e` (`NO_ACTOR` for none).
    pub fn actor(&self, e: usize) -> u8 {
        self.actors[e]
    }

    /// A shortest path from an initial state to `state`, as `(source, edge)` steps along BFS
    /// parents, and the initial state it starts from.
    pub fn prefix(&self, state: usize) -> (usize, Vec<(usize, usize)>) {
        let chain = self.store.chain(state);
        let steps = chain
            .windows(2)
            .map(|w| {
                let e = self.edges(w[0]).find(|&e| self.target(e) == w[1]);
                (w[0], e.expect("a parent has an edge to its child"))
            })
            .collect();
        (chain[0], steps)
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// The strongly connected components of the subgraph induced by `inside` that contain a
    /// cycle (at least one edge inside).
    pub fn components(&self, inside: &[bool]) -> Vec<Vec<usize>> {
        self.components_among(0..self.len(), inside, &mut Tarjan::new(self.len()))
    }

    /// `components`, searching only from `roots` (all of which must be `inside`, or are
    /// skipped), with reused work arrays: a search costs what it visits, not the whole graph,
    /// so refining many small components stays linear.
    pub fn components_among(
        &self,
        roots: impl IntoIterator<Item = usize>,
        inside: &[bool],
        tarjan: &mut Tarjan,
    ) -> Vec<Vec<usize>> {
        let mut stack = Vec::new();
        let mut result = Vec::new();
        // Call stack of (state, next edge to look at).
        let mut calls: Vec<(usize, usize)> = Vec::new();
        for root in roots {
            if !inside[root] || tarjan.index[root] != UNSEEN {
                continue;
            }
            tarjan.visit(root, &mut stack);
            calls.push((root, self.edges(root).start));
            while let Some(&mut (v, ref mut next)) = calls.last_mut() {
                let end = self.edges(v).end;
                let mut descended = false;
                while *next < end {
                    let w = self.target(*next);
                    *next += 1;
                    if !inside[w] {
                        continue;
                    }
                    if tarjan.index[w] == UNSEEN {
                        tarjan.visit(w, &mut stack);
                        calls.push((w, self.edges(w).start));
                        descended = true;
                        break;
                    } else if tarjan.on_stack[w] {
                        tarjan.low[v] = tarjan.low[v].min(tarjan.index[w]);
                    }
                }
                if descended {
                    continue;
                }
                calls.pop();
                if let Some(&(parent, _)) = calls.last() {
                    tarjan.low[parent] = tarjan.low[parent].min(tarjan.low[v]);
                }
                if tarjan.low[v] == tarjan.index[v] {
                    let mut component = Vec::new();
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        tarjan.on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    let cyclic = component.len() > 1 || self.edges(v).any(|e| self.target(e) == v);
                    if cyclic {
                        result.push(component);
                    }
                }
            }
        }
        for v in tarjan.seen.drain(..) {
            tarjan.index[v] = UNSEEN;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::{Graph, NO_ACTOR};
    use crate::explore::toy::Toy;
    use crate::explore::Options;
    use crate::model::Model;

    /// The memory a graph reports is its store's and, per slot, a 4-byte offset, a 4-byte
    /// target, a 2-byte action slot and a 1-byte actor.
    #[test]
    fn memory_counts_the_store_and_every_edge_slot() {
        let (graph, cut) = Graph::build(&Toy, &Options::default());
        assert_eq!(cut, None);
        assert_eq!(
            graph.memory_bytes(),
            graph.store.memory_bytes()
                + graph.offsets.capacity() * 4
                + graph.targets.capacity() * 4
                + graph.slots.capacity() * 2
                + graph.actors.capacity()
        );
        assert!(graph.store.memory_bytes() > 0 && graph.targets.capacity() >= graph.edge_count());
    }

    #[test]
    fn the_toy_graph_has_every_state_and_step() {
        let (graph, _) = Graph::build(&Toy, &Options::default());
        // Each thread at 0, 1 or 2; a thread at 0 has one step, at 1 two, at 2 none.
        assert_eq!(graph.len(), 9);
        assert_eq!(graph.edge_count(), 2 * 3 * (1 + 2));
        let mut actions = Vec::new();
        for s in 0..graph.len() {
            let state = graph.store.state(s);
            actions.clear();
            Toy.actions(&state, &mut actions);
            assert_eq!(graph.edges(s).len(), actions.len());
            for e in graph.edges(s) {
                let action = &actions[graph.slot(e)];
                assert_eq!(
                    graph.store.state(graph.target(e)),
                    Toy.next_state(&state, action)
                );
                assert_eq!(graph.actor(e), action.0 as u8);
                assert_ne!(graph.actor(e), NO_ACTOR);
            }
        }
        // [2, 2], reached last, has a shortest prefix of 4 steps.
        let (init, steps) = graph.prefix(graph.len() - 1);
        assert_eq!((init, steps.len()), (0, 4));
        assert_eq!(graph.store.state(graph.len() - 1), [2, 2]);
    }

    #[test]
    fn building_stops_at_the_state_and_memory_limits() {
        let few = Options {
            max_states: 4,
            ..Options::default()
        };
        let (graph, cut) = Graph::build(&Toy, &few);
        assert_eq!(cut.as_deref(), Some("state limit 4 reached"));
        assert!(graph.len() > 4 && graph.len() < 9);
        let none = Options {
            max_memory: 0,
            ..Options::default()
        };
        let (graph, cut) = Graph::build(&Toy, &none);
        assert_eq!(cut.as_deref(), Some("memory limit 0 MiB reached"));
        assert_eq!(graph.len(), 3, "the first state and its successors");
    }
}
