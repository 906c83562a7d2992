//! Executable twins: a model's protocol written as ordinary threaded Rust over a sync facade
//! (`Backend`) that std, loom and shuttle implement, so one `cargo test` runs all three. Each
//! run logs the spec actions it performs; the log is replayed on the specification
//! (`explore::replay_observed`), which refuses steps the spec does not allow and checks the
//! spec's invariants on the way. The `Stepped` backend drives a twin one spec action at a time
//! for sequential conformance tests.

mod backend;
mod harness;
mod log;
mod stepped;
mod timed;

pub use backend::{Backend, Loom, ObjectCell, Shuttle, Std};
pub use harness::{
    check_loom, check_shuttle_pct, check_shuttle_random, run_std, twin_meta, Twin, TwinFailure,
    TwinStats,
};
pub use log::Log;
pub use stepped::{
    Conductor, Cue, Session, Stepped, SteppedCell, SteppedCondvar, SteppedGuard, SteppedMutex,
    SteppedTwin, ThreadView,
};
pub use timed::TimedCondvar;
