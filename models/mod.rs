//! The models: one file per CPython mechanism. Registering a model is one line in `registry()`.

pub mod asyncio;
pub mod bytecode;
pub mod cext;
pub mod cext_twin;
pub mod gil;
pub mod gil_twin;
pub mod io;
pub mod io_twin;
pub mod multiprocessing;
pub mod pypy;
pub mod refcount;
pub mod refcount_twin;

use crate::registry::{ModelEntry, UsageError};

/// Every registered model, in listing order.
pub fn registry() -> Vec<ModelEntry> {
    vec![
        gil::entry(),
        refcount::entry(),
        io::entry(),
        cext::entry(),
        asyncio::entry(),
        multiprocessing::entry(),
        pypy::entry(),
        bytecode::entry(),
    ]
}

/// The model registered as `name`.
pub fn find(name: &str) -> Result<ModelEntry, UsageError> {
    let all = registry();
    let known: Vec<_> = all.iter().map(|m| m.name).collect();
    let known = known.join(", ");
    all.into_iter()
        .find(|m| m.name == name)
        .ok_or_else(|| UsageError(format!("unknown model '{name}' (known: {known})")))
}
