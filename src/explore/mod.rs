//! Our explicit-state checker: breadth-first search over hashed, packed states, with symmetry
//! reduction, deadlock detection, shortest counterexamples, state/time limits, and the replay of
//! executable-twin runs against the specification.

mod bfs;
mod count;
mod expand;
mod graph;
mod liveness;
mod replay;
mod report;
mod store;
mod walk;

pub use bfs::{check, Options};
pub use count::run_count;
pub use replay::{replay_observed, replay_trace, Mismatch, Refinement, Replayed};
pub use report::{Numbers, PropertyResult, Report, Verdict};
pub use walk::walk;
