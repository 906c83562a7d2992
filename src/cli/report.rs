//! What each command shows, as data, and the one interface every output format implements
//! (`Reporter`): a new format is one more implementation (`text.rs`, `json.rs`).

use crate::config::Config;
use crate::exec::{TwinFailure, TwinStats};
use crate::explore::Report;
use crate::models::claims::ClaimVerdict;
use crate::proofs::Catalogue;
use crate::registry::{ModelEntry, Replay};
use crate::reproduce::record::Record;
use crate::variant::Variant;
use std::path::Path;

/// One `check`: what was checked and what the checker found.
pub struct Checked<'a> {
    /// The model.
    pub entry: &'a ModelEntry,
    /// The variant.
    pub variant: &'a Variant,
    /// The bounds, every setting included.
    pub config: &'a Config,
    /// The report.
    pub report: &'a Report,
}

/// One row of `bench`: a configuration searched for the safety properties alone and for every
/// property.
pub struct BenchRow {
    /// The bounds.
    pub config: Config,
    /// Whether symmetry reduction was on.
    pub symmetry: bool,
    /// The safety search alone.
    pub search: Report,
    /// Every property (liveness on the whole graph).
    pub all: Report,
}

/// What `bench` measured.
pub struct Bench<'a> {
    /// The model.
    pub entry: &'a ModelEntry,
    /// Worker threads of the searches.
    pub workers: usize,
    /// The explicit checker's rows.
    pub rows: Vec<BenchRow>,
    /// The executable twin's runs (with `--twins`), by backend.
    pub twins: Vec<(String, Result<TwinStats, Box<TwinFailure>>)>,
}

/// One `reproduce`: the record it makes, and how it was made.
pub struct Reproduction<'a> {
    /// What was measured.
    pub record: &'a Record,
    /// Blocks of the plan the trace became.
    pub blocks: usize,
    /// Where the forced run's files were kept.
    pub evidence: Option<&'a Path>,
}

/// An output format: how each command's result is shown.
pub trait Reporter {
    /// `list`: the models, their settings, variants and properties.
    fn models(&self, models: &[ModelEntry]) -> String;
    /// `check`.
    fn check(&self, checked: &Checked<'_>) -> String;
    /// `prove`: every run, the non-vacuity listing, the assumption sensitivity.
    fn catalogue(&self, catalogue: &Catalogue) -> String;
    /// `explain`: the page of the catalogue's one property.
    fn page(&self, catalogue: &Catalogue) -> String;
    /// `replay`.
    fn replay(&self, replay: &Replay) -> String;
    /// `verdicts`: the seed's claims.
    fn claims(&self, claims: &[ClaimVerdict]) -> String;
    /// `bench`.
    fn bench(&self, bench: &Bench<'_>) -> String;
    /// `reproduce`.
    fn reproduction(&self, reproduction: &Reproduction<'_>) -> String;
}
