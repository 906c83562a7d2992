//! The registry glue: what the command line and the catalogue need to know about a model
//! without knowing its types. A model becomes a `ModelEntry` through `ModelEntry::of`; a crate
//! that depends on gilcheck registers its own models the same way.

use crate::config::{Config, Setting, SettingKind};
use crate::error::Error;
use crate::exec::{TwinFailure, TwinStats};
use crate::explore::{confirm, Options, Report};
use crate::model::Model;
use crate::timeline::Legend;
use crate::trace::{Claim, Trace, TraceMeta, BACKENDS};
use crate::variant::{Variant, Variants};
use std::ops::RangeInclusive;

/// A property's ID, statement and source, for listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyInfo {
    /// Stable ID.
    pub id: &'static str,
    /// One sentence.
    pub statement: &'static str,
    /// The source the property mirrors, in one line: file, function(s) and the versions it
    /// applies to.
    pub source: &'static str,
    /// Whether it is a liveness property (its verdict depends on fairness).
    pub liveness: bool,
}

/// A registered model.
#[derive(Clone)]
pub struct ModelEntry {
    /// Name on the command line.
    pub name: &'static str,
    /// One line on what it models.
    pub summary: &'static str,
    /// The file that holds it, relative to its crate's root (the catalogue links it).
    pub source: &'static str,
    /// Thread counts the command line accepts.
    pub threads: RangeInclusive<usize>,
    /// Thread count used by `prove` and when `--threads` is absent.
    pub default_threads: usize,
    /// The model's own settings (`--<name>` on the command line).
    pub settings: &'static [Setting],
    /// Whether the model's threads are interchangeable (its `canonical` hook reduces
    /// symmetry); `prove` then uses symmetry reduction.
    pub symmetric: bool,
    /// How its pictures colour what a thread does.
    pub legend: Legend,
    /// Findings written up for a property's page: (property ID, Markdown).
    pub notes: &'static [(&'static str, &'static str)],
    /// Its executable twin's measurements under loom and shuttle (`bench --twins`), if it has
    /// a twin: each backend and scheduler with what it ran.
    pub twin_bench: Option<TwinBench>,
    /// What the engine does with the model, its type erased.
    ops: Ops,
}

/// A model's twin measurements: (backend, executions or the failure).
pub type TwinBench = fn() -> Vec<(String, Result<TwinStats, Box<TwinFailure>>)>;

/// The engine's operations on one model type, with the type erased.
#[derive(Clone, Copy)]
struct Ops {
    variants: &'static [Variant],
    properties: fn(&Config) -> Vec<PropertyInfo>,
    run: fn(&str, &Config, &Options, &TraceMeta) -> Report,
    replay: fn(&str, &Config, &Trace) -> Result<Replay, String>,
}

/// A saved trace re-run on the specification, its claim judged.
pub struct Replay {
    /// The steps that replayed, with the spec's states and pictures.
    pub trace: Trace,
    /// `Ok`: what the trace was confirmed to show; `Err`: the claim that failed, in one line.
    pub outcome: Result<String, String>,
}

/// A model the registry builds from a variant and a configuration.
pub trait Registered: Model {
    /// Its variants (declared with `variants!`).
    type Variant: Variants;
    /// The model of `variant` under `config`: `config` holds `threads` within the entry's
    /// range and every declared setting with an accepted value.
    fn build(variant: Self::Variant, config: &Config) -> Self;
}

impl ModelEntry {
    /// The entry of model `M`, called `name` and described by `summary`, that holds 1 to
    /// `max_threads` threads (`default_threads` unless told otherwise) and has no settings,
    /// no symmetry, no legend, no twin and no source file; the `with_*` methods and
    /// `symmetric` change that.
    pub fn of<M: Registered>(
        name: &'static str,
        summary: &'static str,
        max_threads: usize,
        default_threads: usize,
    ) -> ModelEntry {
        ModelEntry {
            name,
            summary,
            source: "",
            threads: 1..=max_threads,
            default_threads,
            settings: &[],
            symmetric: false,
            legend: &[],
            notes: &[],
            twin_bench: None,
            ops: Ops {
                variants: M::Variant::ALL,
                properties: properties::<M>,
                run: run::<M>,
                replay: replay::<M>,
            },
        }
    }

    /// The file that holds the model, relative to its crate's root.
    pub fn with_source(mut self, source: &'static str) -> Self {
        self.source = source;
        self
    }

    /// Its settings.
    pub fn with_settings(mut self, settings: &'static [Setting]) -> Self {
        self.settings = settings;
        self
    }

    /// It needs at least `least` threads (default 1); fewer is refused as bad input.
    pub fn with_least_threads(mut self, least: usize) -> Self {
        self.threads = least..=*self.threads.end();
        self
    }

    /// Its threads are interchangeable (its `canonical` reduces by symmetry).
    pub fn symmetric(mut self) -> Self {
        self.symmetric = true;
        self
    }

    /// The legend of its pictures.
    pub fn with_legend(mut self, legend: Legend) -> Self {
        self.legend = legend;
        self
    }

    /// Findings written up for property pages: (property ID, Markdown). The verdicts and
    /// traces on the page are computed; a note says what they mean for the real code.
    pub fn with_notes(mut self, notes: &'static [(&'static str, &'static str)]) -> Self {
        self.notes = notes;
        self
    }

    /// Its executable twin's measurements.
    pub fn with_twin_bench(mut self, bench: TwinBench) -> Self {
        self.twin_bench = Some(bench);
        self
    }

    /// Its variants, the default first.
    pub fn variants(&self) -> &'static [Variant] {
        self.ops.variants
    }

    /// The variant named `name`, or the default when `None`.
    pub fn variant(&self, name: Option<&str>) -> Result<&'static Variant, Error> {
        let variants = self.variants();
        let Some(name) = name else {
            return Ok(&variants[0]);
        };
        variants.iter().find(|v| v.name == name).ok_or_else(|| {
            let known: Vec<_> = variants.iter().map(|v| v.name).collect();
            Error::bad_input(format!(
                "unknown variant '{name}' of model '{}' (known: {})",
                self.name,
                known.join(", ")
            ))
        })
    }

    /// `threads` threads and every setting at its default.
    pub fn config(&self, threads: usize) -> Config {
        let mut config = Config::threads(threads);
        for setting in self.settings {
            config = config.with(setting.name, setting.default_value());
        }
        config
    }

    /// The count settings, which `prove --deep` raises by one.
    pub fn bounds(&self) -> impl Iterator<Item = &'static Setting> {
        self.settings
            .iter()
            .filter(|s| matches!(s.kind, SettingKind::Count { .. }))
    }

    /// The flags that relax an assumption liveness verdicts rest on.
    pub fn relaxations(&self) -> impl Iterator<Item = &'static Setting> {
        self.settings
            .iter()
            .filter(|s| s.kind == SettingKind::Flag { relaxes: true })
    }

    /// Checks `variant` under `config` with the explicit checker.
    pub fn check(
        &self,
        variant: &Variant,
        config: &Config,
        options: &Options,
    ) -> Result<Report, Error> {
        let config = self.validate(config, options)?;
        let meta = TraceMeta {
            model: self.name.to_string(),
            variant: variant.name.to_string(),
            config: config.clone(),
            backend: "explicit".to_string(),
        };
        Ok((self.ops.run)(variant.name, &config, options, &meta))
    }

    /// `config` with every setting the model declares, if it and `options` are within what
    /// the model accepts.
    pub fn validate(&self, config: &Config, options: &Options) -> Result<Config, Error> {
        let known = |id: &String| self.properties().iter().any(|p| p.id == id.as_str());
        if let Some(unknown) = options.properties.iter().find(|id| !known(id)) {
            return Err(Error::bad_input(format!(
                "model '{}' has no property '{unknown}'",
                self.name
            )));
        }
        if !self.threads.contains(&config.threads) {
            return Err(Error::bad_input(format!(
                "model '{}' takes {} to {} threads, not {}",
                self.name,
                self.threads.start(),
                self.threads.end(),
                config.threads
            )));
        }
        let mut full = self.config(config.threads);
        for (name, &value) in &config.settings {
            let setting = self.setting(name)?;
            setting
                .accepts(value)
                .map_err(|why| Error::bad_input(format!("model '{}' {why}", self.name)))?;
            full.settings.insert(name.clone(), value);
        }
        if options.symmetry && !self.symmetric {
            return Err(Error::bad_input(format!(
                "model '{}' has no thread symmetry (its threads run different programs)",
                self.name
            )));
        }
        Ok(full)
    }

    /// The setting called `name`.
    pub fn setting(&self, name: &str) -> Result<&'static Setting, Error> {
        self.settings
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                let known: Vec<_> = self.settings.iter().map(|s| s.name).collect();
                Error::bad_input(format!(
                    "model '{}' has no setting '{name}' (it has: {})",
                    self.name,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            })
    }

    /// The model's properties (listed from its default variant at its default configuration:
    /// a model states the same properties at every configuration).
    pub fn properties(&self) -> Vec<PropertyInfo> {
        (self.ops.properties)(&self.config(self.default_threads))
    }

    /// Re-runs `trace` (saved by any backend) on the spec of the variant and configuration it
    /// names.
    pub fn replay(&self, trace: &Trace) -> Result<Replay, Error> {
        let meta = &trace.meta;
        let variant = self.variant(Some(&meta.variant))?;
        let config = self.validate(&meta.config, &Options::default())?;
        if !BACKENDS.contains(&meta.backend.as_str()) {
            return Err(Error::bad_input(format!(
                "unknown backend '{}' (known: {})",
                meta.backend,
                BACKENDS.join(", ")
            )));
        }
        (self.ops.replay)(variant.name, &config, trace).map_err(Error::bad_input)
    }
}

/// The model of the registered variant `name` under `config`.
fn build<M: Registered>(name: &str, config: &Config) -> M {
    let variant = M::Variant::from_name(name).expect("the registry checked the name");
    M::build(variant, config)
}

/// Runs the explicit checker on a registered model.
fn run<M: Registered>(
    variant: &str,
    config: &Config,
    options: &Options,
    meta: &TraceMeta,
) -> Report {
    crate::explore::check(&build::<M>(variant, config), meta, options)
}

/// `ModelEntry::replay` of a registered model: the trace's steps re-derived on the spec and its
/// claim judged; `Err` when the trace is malformed for the model.
fn replay<M: Registered>(variant: &str, config: &Config, saved: &Trace) -> Result<Replay, String> {
    let model = build::<M>(variant, config);
    let confirmation = confirm(&model, saved)?;
    let mut trace = match &confirmation.replayed {
        Some(replayed) => replayed.trace(&model, &saved.meta),
        None => Trace {
            steps: Vec::new(),
            ..saved.clone()
        },
    };
    // A refused step is shown as recorded after the steps that replayed.
    if saved.claim == Claim::Refused && trace.steps.len() + 1 == saved.steps.len() {
        trace.steps.extend(saved.steps.last().cloned());
    }
    trace.property = saved.property.clone();
    trace.claim = saved.claim;
    trace.fairness = saved.fairness;
    trace.outcome = saved.outcome.clone();
    trace.cycle = saved.cycle.filter(|&k| k < trace.steps.len());
    Ok(Replay {
        trace,
        outcome: confirmation.outcome,
    })
}

/// The properties of a registered model, read off its default variant at `config`.
fn properties<M: Registered>(config: &Config) -> Vec<PropertyInfo> {
    describe(&build::<M>(M::Variant::ALL[0].name, config))
}

/// The ID, statement and source of each of `model`'s properties.
pub fn describe<M: Model>(model: &M) -> Vec<PropertyInfo> {
    model
        .properties()
        .into_iter()
        .map(|p| PropertyInfo {
            id: p.id,
            statement: p.statement,
            source: p.source,
            liveness: p.check.is_liveness(),
        })
        .collect()
}
