//! Our explicit-state checker: breadth-first search over hashed, packed states, with symmetry
//! reduction, deadlock detection, shortest counterexamples, state/time limits, and the replay of
//! executable-twin runs against the specification.

mod analysis;
mod bfs;
mod check;
mod confirm;
mod count;
mod expand;
mod graph;
mod liveness;
mod options;
mod replay;
mod report;
mod store;
mod walk;

pub use check::check;
pub use confirm::{confirm, Confirmation};
pub use count::run_count;
pub use options::{Deadline, Options, MAX_WORKERS};
pub use replay::{replay_observed, replay_trace, Mismatch, Refinement, Replayed};
pub use report::{Basis, GraphStats, Numbers, PropertyResult, Report, Verdict};
pub use walk::walk;
