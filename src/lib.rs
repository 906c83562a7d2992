//! gilcheck: precise state-machine models of CPython's Global Interpreter Lock, checked by an
//! explicit-state checker, by loom and shuttle on executable twins, and by model-based tests.
//!
//! The engine (`model`, `explore`, `exec`, `trace`) knows nothing about CPython; the models
//! under `models/` do.
//!
//! Start here:
//! - [`catalogue()`]: every property by its stable ID (what `gilcheck prove` writes to proofs/);
//! - [`model::Model`] and [`model::Property`]: what a model provides;
//! - [`suite::Suite`]: one entry point that checks a model (yours too) on every backend;
//! - `docs/extending.md`: adding a model, step by step, with `examples/producer_consumer/`.

#![warn(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod error;
pub mod exec;
pub mod explore;
pub mod files;
pub mod model;
pub mod pack;
#[cfg(feature = "cli")]
pub mod proofs;
pub mod registry;
#[cfg(feature = "cli")]
pub mod reproduce;
pub mod suite;
pub mod timeline;
pub mod trace;
pub mod variant;

#[path = "../models/mod.rs"]
pub mod models;

/// A property of the catalogue, with the model that states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// The model's registered name (`gil`).
    pub model: &'static str,
    /// The property: stable ID, statement, the source it mirrors.
    pub property: registry::PropertyInfo,
}

/// Every property gilcheck checks, model by model: the stable IDs other crates and documents
/// cite. `gilcheck prove` writes each one's page to `proofs/<ID>.md`.
///
/// ```
/// let cited = gilcheck::catalogue()
///     .into_iter()
///     .find(|c| c.property.id == "GIL-S1")
///     .expect("GIL-S1 is published");
/// assert_eq!(cited.model, "gil");
/// assert_eq!(cited.property.statement, "at most one thread holds the GIL");
/// assert!(cited.property.source.starts_with("Python/ceval_gil.h"));
/// ```
pub fn catalogue() -> Vec<CatalogueEntry> {
    models::registry()
        .into_iter()
        .flat_map(|entry| {
            entry
                .properties()
                .into_iter()
                .map(move |property| CatalogueEntry {
                    model: entry.name,
                    property,
                })
        })
        .collect()
}
