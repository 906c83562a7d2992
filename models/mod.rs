//! The models: one file per CPython mechanism. Registering a model is its file plus its name in
//! the `registered!` list below (which declares the module and lists its `entry()`); twins are
//! plain modules.

use crate::error::Error;
use crate::registry::ModelEntry;

/// Declares each model's module and lists its registry entry, in listing order.
macro_rules! registered {
    ($($model:ident),* $(,)?) => {
        $(pub mod $model;)*

        /// Every registered model, in listing order.
        pub fn registry() -> Vec<ModelEntry> {
            vec![$($model::entry()),*]
        }
    };
}

registered!(
    gil,
    refcount,
    io,
    cext,
    asyncio,
    multiprocessing,
    pypy,
    bytecode,
    subinterpreters,
    own_gil,
    brc,
    critical_section,
    ft_gil
);

pub mod brc_twin;
pub mod cext_twin;
pub mod claims;
pub mod critical_section_twin;
pub mod io_twin;
pub mod observed;
pub mod refcount_twin;
pub mod threading;

/// The model registered as `name`.
pub fn find(name: &str) -> Result<ModelEntry, Error> {
    find_in(&registry(), name)
}

/// The model called `name` among `models`.
pub fn find_in(models: &[ModelEntry], name: &str) -> Result<ModelEntry, Error> {
    let known: Vec<_> = models.iter().map(|m| m.name).collect();
    let known = known.join(", ");
    models
        .iter()
        .find(|m| m.name == name)
        .cloned()
        .ok_or_else(|| Error::bad_input(format!("unknown model '{name}' (known: {known})")))
}
