//! The whole state graph, every edge kept, for liveness. No symmetry reduction: fairness and
//! per-thread properties need thread identities. It is what a search that keeps its edges
//! found: the states, and per state its edges in the order of its actions (so an edge's
//! position among its source's edges is its action's position in the action list), each a
//! target and the thread that takes it. Strongly connected components of any induced subgraph
//! are found with an iterative Tarjan.

use super::bfs::search;
use super::store::{room_for_one, Store};
use super::Options;
use crate::model::Model;
use crate::pack::Pack;

/// Tarjan's index of a state not visited yet.
const UNSEEN: u32 = u32::MAX;

/// Tarjan's work array, a slot per state, reused across searches of one graph; a search leaves
/// it as it found it.
pub struct Tarjan {
    /// Per state, together (one cache line to look at a successor).
    nodes: Vec<Node>,
    /// States the current search visited (to reset their index).
    seen: Vec<usize>,
}

/// Tarjan's numbers of one state.
#[derive(Clone, Copy)]
struct Node {
    index: u32,
    low: u32,
    on_stack: bool,
}

impl Tarjan {
    /// Work arrays for a graph of `states` states.
    pub fn new(states: usize) -> Tarjan {
        let unseen = Node {
            index: UNSEEN,
            low: 0,
            on_stack: false,
        };
        Tarjan {
            nodes: vec![unseen; states],
            seen: Vec::new(),
        }
    }

    /// Tarjan's first visit of `v`: number it and push it.
    fn visit(&mut self, v: usize, stack: &mut Vec<usize>) {
        let number = self.seen.len() as u32;
        self.nodes[v] = Node {
            index: number,
            low: number,
            on_stack: true,
        };
        self.seen.push(v);
        stack.push(v);
    }
}

/// The edges a search kept, state by state in discovery order.
#[derive(Debug, PartialEq)]
pub struct Edges {
    /// Edges of state `i` are `offsets[i]..offsets[i + 1]`.
    offsets: Vec<u32>,
    targets: Vec<u32>,
    actors: Vec<u8>,
}

impl Default for Edges {
    fn default() -> Self {
        Edges {
            offsets: vec![0],
            targets: Vec::new(),
            actors: Vec::new(),
        }
    }
}

impl Edges {
    /// Adds an edge of the state being expanded.
    pub fn push(&mut self, target: usize, actor: u8) {
        room_for_one(&mut self.targets);
        room_for_one(&mut self.actors);
        self.targets.push(target as u32);
        self.actors.push(actor);
    }

    /// Ends the edges of the state being expanded.
    pub fn close_state(&mut self) {
        let end = u32::try_from(self.targets.len()).expect("at most 2^32 - 1 edges");
        self.offsets.push(end);
    }

    /// Bytes held: per slot a 4-byte offset, a 4-byte target and a 1-byte actor.
    pub fn memory_bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.targets.capacity() * 4 + self.actors.capacity()
    }
}

/// The reachable state graph.
pub struct Graph<S: Pack> {
    /// States in BFS order, with BFS parents (shortest prefixes).
    pub store: Store<S>,
    edges: Edges,
}

impl<S: Pack> Graph<S> {
    /// The graph of a complete search's states and edges.
    pub fn new(store: Store<S>, edges: Edges) -> Graph<S> {
        Graph { store, edges }
    }

    /// Explores every reachable state of `model`, without symmetry; with the limit that
    /// stopped it, if one did (the graph is then partial).
    pub fn build<M: Model<State = S>>(model: &M, options: &Options) -> (Graph<S>, Option<String>) {
        let whole = Options {
            symmetry: false,
            ..options.clone()
        };
        let found = search(model, &[], &whole, true);
        let edges = found.edges.expect("kept");
        (Graph::new(found.store, edges), found.limit)
    }

    /// Number of states.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Edge indices leaving state `s`.
    pub fn edges(&self, s: usize) -> std::ops::Range<usize> {
        let offsets = &self.edges.offsets;
        offsets[s] as usize..offsets[s + 1] as usize
    }

    /// Target of edge `e`.
    pub fn target(&self, e: usize) -> usize {
        self.edges.targets[e] as usize
    }

    /// Position of edge `e`'s action in the action list of its source, `s`.
    pub fn slot(&self, s: usize, e: usize) -> usize {
        e - self.edges.offsets[s] as usize
    }

    /// Thread that takes edge `e` (`NO_ACTOR` for none).
    pub fn actor(&self, e: usize) -> u8 {
        self.edges.actors[e]
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
        self.edges.targets.len()
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
        let mut result = Vec::new();
        self.each_component(roots, inside, tarjan, |component| {
            let root = component[0];
            if component.len() > 1 || self.edges(root).any(|e| self.target(e) == root) {
                // Latest visited first, the root last.
                result.push(component.iter().rev().copied().collect());
            }
        });
        result
    }

    /// Calls `found` with every strongly connected component of the subgraph induced by
    /// `inside` that `roots` reach (cyclic or not), each after every component it has an edge
    /// to: in reverse topological order.
    pub fn each_component(
        &self,
        roots: impl IntoIterator<Item = usize>,
        inside: &[bool],
        tarjan: &mut Tarjan,
        mut found: impl FnMut(&[usize]),
    ) {
        let mut stack = Vec::new();
        // Call stack of (state, next edge to look at).
        let mut calls: Vec<(usize, usize)> = Vec::new();
        for root in roots {
            if !inside[root] || tarjan.nodes[root].index != UNSEEN {
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
                    let seen = tarjan.nodes[w];
                    if seen.index == UNSEEN {
                        tarjan.visit(w, &mut stack);
                        calls.push((w, self.edges(w).start));
                        descended = true;
                        break;
                    } else if seen.on_stack {
                        let low = &mut tarjan.nodes[v].low;
                        *low = (*low).min(seen.index);
                    }
                }
                if descended {
                    continue;
                }
                calls.pop();
                let node = tarjan.nodes[v];
                if let Some(&(parent, _)) = calls.last() {
                    let low = &mut tarjan.nodes[parent].low;
                    *low = (*low).min(node.low);
                }
                if node.low == node.index {
                    let at = stack
                        .iter()
                        .rposition(|&w| w == v)
                        .expect("v is on the stack");
                    for &w in &stack[at..] {
                        tarjan.nodes[w].on_stack = false;
                    }
                    // The root first, then the states in the order they were visited.
                    found(&stack[at..]);
                    stack.truncate(at);
                }
            }
        }
        for v in tarjan.seen.drain(..) {
            tarjan.nodes[v].index = UNSEEN;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Graph;
    use crate::explore::expand::NO_ACTOR;
    use crate::explore::toy::Toy;
    use crate::explore::Options;
    use crate::model::Model;

    /// The memory the edges report is, per slot, a 4-byte offset, a 4-byte target and a 1-byte
    /// actor.
    #[test]
    fn memory_counts_the_store_and_every_edge_slot() {
        let (graph, cut) = Graph::build(&Toy, &Options::default());
        assert_eq!(cut, None);
        let edges = &graph.edges;
        assert_eq!(
            edges.memory_bytes(),
            edges.offsets.capacity() * 4 + edges.targets.capacity() * 4 + edges.actors.capacity()
        );
        assert!(graph.store.memory_bytes() > 0 && edges.targets.capacity() >= graph.edge_count());
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
                let action = &actions[graph.slot(s, e)];
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
        // Memory is looked at on the first step.
        let none = Options {
            max_memory: 0,
            ..Options::default()
        };
        let (graph, cut) = Graph::build(&Toy, &none);
        assert_eq!(cut.as_deref(), Some("memory limit 0 MiB reached"));
        assert_eq!((graph.len(), graph.edge_count()), (2, 1));
    }
}
