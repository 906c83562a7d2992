//! The registry glue: what the command line and the catalogue need to know about a model
//! without knowing its types.

use crate::error::Error;
use crate::explore::{confirm, Options, Report};
use crate::model::{Config, Model, Variant};
use crate::trace::{Claim, Trace, TraceMeta, BACKENDS};
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
    /// Variants, the default first.
    pub variants: &'static [Variant],
    /// Thread counts the command line accepts.
    pub threads: RangeInclusive<usize>,
    /// Thread count used by `prove` and when `--threads` is absent.
    pub default_threads: usize,
    /// Object counts the command line accepts (`0..=0` for models without objects).
    pub objects: RangeInclusive<usize>,
    /// Object count used by `prove` and when `--objects` is absent.
    pub default_objects: usize,
    /// Whether the model's threads are interchangeable (its `canonical` hook reduces
    /// symmetry); `prove` then uses symmetry reduction.
    pub symmetric: bool,
    /// What the engine does with the model: `ops::<TheModel>()`.
    pub ops: Ops,
}

/// The engine's operations on one model type, with the type erased; `ops::<M>()` builds them,
/// so that a new operation needs no edit to any model.
#[derive(Clone, Copy)]
pub struct Ops {
    properties: fn() -> Vec<PropertyInfo>,
    run: fn(&str, &Config, &Options, &TraceMeta) -> Report,
    replay: fn(&str, &Config, &Trace) -> Result<Replay, String>,
}

/// The operations of registered model `M`.
pub fn ops<M: Registered>() -> Ops {
    Ops {
        properties: properties::<M>,
        run: run::<M>,
        replay: replay::<M>,
    }
}

/// A saved trace re-run on the specification, its claim judged.
pub struct Replay {
    /// The steps that replayed, with the spec's states and pictures.
    pub trace: Trace,
    /// `Ok`: what the trace was confirmed to show; `Err`: the claim that failed, in one line.
    pub outcome: Result<String, String>,
}

impl ModelEntry {
    /// The variant named `name`, or the default when `None`.
    pub fn variant(&self, name: Option<&str>) -> Result<&'static Variant, Error> {
        let Some(name) = name else {
            return Ok(&self.variants[0]);
        };
        self.variants
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| {
                let known: Vec<_> = self.variants.iter().map(|v| v.name).collect();
                Error::bad_input(format!(
                    "unknown variant '{name}' of model '{}' (known: {})",
                    self.name,
                    known.join(", ")
                ))
            })
    }

    /// The configuration `prove` and `bench` use for `threads` threads: default objects,
    /// threads that loop forever (where the model allows), no spurious wake-ups.
    pub fn config(&self, threads: usize) -> Config {
        Config {
            objects: self.default_objects,
            ..Config::threads(threads)
        }
    }

    /// Checks `variant` under `config` with the explicit checker.
    pub fn check(
        &self,
        variant: &Variant,
        config: &Config,
        options: &Options,
    ) -> Result<Report, Error> {
        self.validate(config, options)?;
        let meta = TraceMeta {
            model: self.name.to_string(),
            variant: variant.name.to_string(),
            config: config.clone(),
            backend: "explicit".to_string(),
        };
        Ok((self.ops.run)(variant.name, config, options, &meta))
    }

    /// Checks that `config` and `options` are within what the model accepts.
    pub fn validate(&self, config: &Config, options: &Options) -> Result<(), Error> {
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
        if *self.objects.end() == 0 && config.objects > 0 {
            return Err(Error::bad_input(format!(
                "model '{}' has no objects",
                self.name
            )));
        }
        if !self.objects.contains(&config.objects) {
            return Err(Error::bad_input(format!(
                "model '{}' takes {} to {} objects, not {}",
                self.name,
                self.objects.start(),
                self.objects.end(),
                config.objects
            )));
        }
        if options.symmetry && !self.symmetric {
            return Err(Error::bad_input(format!(
                "model '{}' has no thread symmetry (its threads run different programs)",
                self.name
            )));
        }
        Ok(())
    }

    /// The model's properties.
    pub fn properties(&self) -> Vec<PropertyInfo> {
        (self.ops.properties)()
    }

    /// Re-runs `trace` (saved by any backend) on the spec of the variant and configuration it
    /// names.
    pub fn replay(&self, trace: &Trace) -> Result<Replay, Error> {
        let meta = &trace.meta;
        let variant = self.variant(Some(&meta.variant))?;
        self.validate(&meta.config, &Options::default())?;
        if !BACKENDS.contains(&meta.backend.as_str()) {
            return Err(Error::bad_input(format!(
                "unknown backend '{}' (known: {})",
                meta.backend,
                BACKENDS.join(", ")
            )));
        }
        (self.ops.replay)(variant.name, &meta.config, trace).map_err(Error::bad_input)
    }
}

/// A model the registry builds by variant name: one per file under `models/`.
pub trait Registered: Model {
    /// Its variants, the default first.
    const VARIANTS: &'static [Variant];
    /// The model of `variant` (a registered name, already validated) under `config`.
    fn build(variant: &str, config: &Config) -> Self;
}

/// Runs the explicit checker on a registered model.
fn run<M: Registered>(
    variant: &str,
    config: &Config,
    options: &Options,
    meta: &TraceMeta,
) -> Report {
    crate::explore::check(&M::build(variant, config), meta, options)
}

/// `ModelEntry::replay` of a registered model: the trace's steps re-derived on the spec and its
/// claim judged; `Err` when the trace is malformed for the model.
fn replay<M: Registered>(variant: &str, config: &Config, saved: &Trace) -> Result<Replay, String> {
    let model = M::build(variant, config);
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

/// The properties of a registered model (read off its default variant).
fn properties<M: Registered>() -> Vec<PropertyInfo> {
    let config = Config {
        objects: 1,
        ..Config::threads(1)
    };
    describe(&M::build(M::VARIANTS[0].name, &config))
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
