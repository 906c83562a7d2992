//! Python's own synchronisation primitives as a component, for models of Python code: `Lock`
//! and `RLock` (`Modules/_threadmodule.c`), `Condition`, `Event` and `Semaphore`
//! (`Lib/threading.py`), with CPython's semantics in CPython 3.10 to 3.13.
//!
//! What it offers:
//! - `Threading` (`decl.rs`): the primitives a model declares (`lock`, `rlock`, `condition`,
//!   `event`, `semaphore`), each named as the Python program names it, and the calls a thread
//!   makes on them (`Call`: `lock.acquire()`, `cond.wait(timeout)`, `ev.set()`...).
//! - The spec side: `PyState` (`state.rs`), each thread's place inside a primitive's protocol and
//!   the primitives' fields, and the steps of each primitive in its own file (`lock.rs`,
//!   `condition.rs`, `event.rs`, `semaphore.rs`), composed like the GIL's: a model's
//!   `actions` calls `Threading::compose`, which offers every thread's protocol steps and lets
//!   the model say what a thread does in its own code (`Threading::call` for a call,
//!   `Action::own` for a step of its own, or `Threading::begin` for either, a `Next`);
//!   `Threading::apply` performs a step and says when a call began (`protocol.rs`).
//!   Labels, the timeline legend and frame lanes are in Python terms (`format.rs`).
//! - `ThreadingVariant` (`variants.rs`): CPython as it is, and the bad variants that show each
//!   property about the primitives can fail.
//! - `Script` (`script.rs`): a ready-made model in which each thread runs a straight-line list
//!   of calls, for pinning a primitive's behaviour on a tiny program.
//! - The twin side (`twin.rs`): the same primitives as threaded Rust over the sync facade
//!   (`Python<B, O>`), logging the same actions, with timed waits that a clock times out under
//!   loom and shuttle; `ScriptTwin` (`script_twin.rs`) runs a `Script` on it.
//!
//! Python's `Condition.wait` cannot return without a notify or a timeout (each waiter blocks on
//! a lock of its own, which only `notify` releases), so there is no spurious wake-up setting:
//! the twin absorbs the operating system's spurious wake-ups in its own wait loops.

mod action;
mod condition;
mod decl;
mod event;
mod format;
mod lock;
mod protocol;
mod script;
mod script_twin;
mod semaphore;
mod state;
pub mod twin;
mod variants;

pub use action::{Action, Next, Step};
pub use decl::{Call, CondId, EventId, LockId, LockKind, SemId, Threading};
pub use format::LEGEND;
pub use script::{Line, Script, ScriptState};
pub use script_twin::ScriptTwin;
pub use state::{At, EvOp, Op, Place, PyState, SemOp, WaitStep, MAX_THREADS, NOBODY};
pub use twin::Python;
pub use variants::ThreadingVariant;
