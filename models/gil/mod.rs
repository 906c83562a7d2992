//! The GIL as a component. `protocol.rs` is CPython's GIL (`take_gil`, `drop_gil`, the drop
//! request, FORCE_SWITCHING) as steps that other models compose: io, cext, refcount, asyncio,
//! multiprocessing and bytecode stand on it, and so does `handoff.rs`, the registered model of
//! CPU-bound threads that states the GIL's own properties. `versions.rs` lists the versions it
//! mirrors and the bad variants; `state.rs` is its state and how pictures show it. `twin.rs` is
//! the same GIL as threaded code over the sync facade, which every executable twin shares;
//! `handoff_twin.rs` is the hand-off model's twin.

mod handoff;
pub mod handoff_twin;
#[cfg(feature = "cli")]
pub mod machine;
mod protocol;
mod state;
pub mod twin;
mod versions;

pub use handoff::{entry, Handoff};
pub use protocol::{holds_gil, Action, Gil, Woken, FINITE, SETTINGS, SPURIOUS_WAKEUPS};
pub use state::{
    After, GilState, Pc, DETACHED, DROPS, HOLDS, HUNG, LEGEND, MAX_THREADS, NOBODY, TAKES, WAITS,
};
pub use versions::GilVariant;
