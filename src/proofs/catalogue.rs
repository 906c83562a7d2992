//! What one `prove` found: the runs (model, variant, bounds, report) and the questions the
//! renderers ask of them (the runs of a model as stated, a property's verdict over the bound
//! sets, the variants that violate it). Data only: the plan fills it, the renderers read it.

use crate::config::{Config, Value};
use crate::explore::{Basis, Options, Report, Verdict};
use crate::model::{Fairness, Variant, VariantKind};
use crate::registry::{ModelEntry, PropertyInfo};
use serde::Serialize;

/// Which searches `prove` runs.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Larger bounds (`--deep`): each model's thread counts above its default and one more
    /// object, instead of 2..=default threads.
    pub deep: bool,
    /// Only this model, or only the model of this property ID (`--only`).
    pub only: Option<String>,
}

/// One search to run.
#[derive(Clone)]
pub struct Job {
    /// The model.
    pub entry: ModelEntry,
    /// The variant.
    pub variant: &'static Variant,
    /// The bounds.
    pub config: Config,
    /// Symmetry, fairness override and limits.
    pub options: Options,
    /// `None` for the assumptions as stated; otherwise the one change this sensitivity run
    /// makes (a fairness name, or `spurious wake-ups`).
    pub change: Option<String>,
}

impl Job {
    /// The finished search, from its report.
    pub fn run(&self, report: Report) -> Run {
        Run {
            model: self.entry.name,
            variant: self.variant.name,
            kind: self.variant.kind,
            releases: self.variant.releases,
            config: self.config.clone(),
            change: self.change.clone(),
            report,
        }
    }
}

/// One finished search.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// Model name.
    pub model: &'static str,
    /// Variant name.
    pub variant: &'static str,
    /// What the variant mirrors.
    pub kind: VariantKind,
    /// The releases of the real code it stands for (`Variant::releases`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub releases: &'static [&'static str],
    /// The bounds.
    pub config: Config,
    /// See `Job::change`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// The checker's report.
    pub report: Report,
}

impl Run {
    /// What the variant mirrors in words, with its releases (`real code: 3.13, 3.14`).
    pub fn mirrors(&self) -> String {
        match self.releases {
            [] => self.kind.describe().to_string(),
            releases => format!("{}: {}", self.kind.describe(), releases.join(", ")),
        }
    }

    /// The bounds in words, with symmetry.
    pub fn bounds(&self) -> String {
        let symmetry = if self.report.symmetry {
            ", symmetry"
        } else {
            ""
        };
        format!("{}{symmetry}", self.config.bounds())
    }

    /// What property `id`'s verdict in this run rests on: its bounds in words and its state
    /// count. Liveness and counting verdicts rest on the whole graph, without symmetry.
    pub fn rests_on(&self, id: &str) -> (String, usize) {
        let on_graph = self
            .report
            .result(id)
            .is_some_and(|r| r.basis == Basis::Graph);
        match (&self.report.graph, on_graph) {
            (Some(graph), true) => (self.config.bounds(), graph.states),
            _ => (self.bounds(), self.report.states),
        }
    }

    /// The command of `program` that reproduces this run: every count setting of `entry`
    /// (this run's model) with its value, every flag that is on.
    pub fn command(&self, program: &str, entry: &ModelEntry) -> String {
        let mut command = format!(
            "{program} check {} --variant {} --threads {}",
            self.model, self.variant, self.config.threads
        );
        for setting in entry.settings {
            match self.config.settings.get(setting.name) {
                Some(Value::Count(n)) => command.push_str(&format!(" --{} {n}", setting.name)),
                Some(Value::Flag(true)) => command.push_str(&format!(" --{}", setting.name)),
                _ => {}
            }
        }
        if self.report.symmetry {
            command.push_str(" --symmetry");
        }
        if let Some(fairness) = self.change.as_deref().and_then(Fairness::from_name) {
            command.push_str(&format!(" --fairness {}", fairness.name()));
        }
        command
    }
}

/// Everything one `prove` found.
pub struct Catalogue {
    /// The models proved, in registry order, with their properties.
    pub models: Vec<(ModelEntry, Vec<PropertyInfo>)>,
    /// Every run, in plan order.
    pub runs: Vec<Run>,
    /// With `--only ID`: the one property to report.
    pub only_property: Option<String>,
    /// The command-line program whose commands reproduce the runs (`gilcheck`).
    pub program: String,
}

impl Catalogue {
    /// The runs of `model` with the assumptions as stated.
    pub fn stated<'a>(&'a self, model: &'a str) -> impl Iterator<Item = &'a Run> {
        self.runs
            .iter()
            .filter(move |r| r.model == model && r.change.is_none())
    }

    /// Whether property `id` is reported (all are, unless `--only ID` names one).
    pub fn reports(&self, id: &str) -> bool {
        self.only_property.as_deref().is_none_or(|only| only == id)
    }

    /// The properties reported, with their model, in catalogue order.
    pub fn properties(&self) -> Vec<(&ModelEntry, &PropertyInfo)> {
        self.models
            .iter()
            .flat_map(|(entry, props)| props.iter().map(move |p| (entry, p)))
            .filter(|(_, p)| self.reports(p.id))
            .collect()
    }

    /// The default variant's runs of `entry` with one assumption changed (a fairness, or a
    /// relaxation flag on), every bound set.
    pub fn changed<'a>(&'a self, entry: &'a ModelEntry) -> impl Iterator<Item = &'a Run> {
        self.runs
            .iter()
            .filter(move |r| r.model == entry.name && r.change.is_some())
    }

    /// The runs of `changed` at `base`'s bounds (its threads and count settings).
    pub fn changes_of<'a>(&'a self, entry: &'a ModelEntry, base: &'a Run) -> Vec<&'a Run> {
        let counts = |config: &'a Config| {
            config
                .settings
                .iter()
                .filter(|(_, v)| matches!(v, Value::Count(_)))
                .collect::<Vec<_>>()
        };
        self.changed(entry)
            .filter(|r| {
                r.config.threads == base.config.threads && counts(&r.config) == counts(&base.config)
            })
            .collect()
    }

    /// Per bound set of `model`'s runs as stated (in plan order): its bounds, how many of its
    /// searches ended exhaustive, and how many there were.
    pub fn decided(&self, model: &str) -> Vec<(String, usize, usize)> {
        let mut sets: Vec<(String, usize, usize)> = Vec::new();
        for run in self.stated(model) {
            let bounds = run.bounds();
            let decided = usize::from(run.report.limit.is_none());
            match sets.iter_mut().find(|(b, _, _)| *b == bounds) {
                Some((_, done, all)) => (*done, *all) = (*done + decided, *all + 1),
                None => sets.push((bounds, decided, 1)),
            }
        }
        sets
    }
}

/// The runs of `runs` cut short by a limit, as `model/variant (bounds): limit`.
pub fn cut_short(runs: &[Run]) -> Vec<String> {
    runs.iter()
        .filter_map(|r| {
            let limit = r.report.limit.as_ref()?;
            Some(format!(
                "{}/{} ({}): {limit}",
                r.model,
                r.variant,
                r.bounds()
            ))
        })
        .collect()
}

/// How a property fared on one variant over the bound sets, as one word: violated anywhere,
/// else inconclusive anywhere, else holds somewhere, else vacuous (its premise never occurs).
pub fn summary(runs: &[&Run], id: &str) -> Verdict {
    let verdicts: Vec<Verdict> = runs.iter().filter_map(|r| r.report.verdict(id)).collect();
    [Verdict::Violated, Verdict::Inconclusive, Verdict::Holds]
        .into_iter()
        .find(|v| verdicts.contains(v))
        .unwrap_or(Verdict::Vacuous)
}

/// How property `id` fared on `variant` over its bound sets among `runs` (`summary`).
pub fn summary_of(runs: &[&Run], variant: &str, id: &str) -> Verdict {
    let of_variant: Vec<&Run> = runs
        .iter()
        .copied()
        .filter(|r| r.variant == variant)
        .collect();
    summary(&of_variant, id)
}

/// The variants of `entry` that violate property `id` at some bound set of `runs` (non-vacuity).
pub fn violators(entry: &ModelEntry, runs: &[&Run], id: &str) -> Vec<&'static Variant> {
    entry
        .variants()
        .iter()
        .filter(|v| summary_of(runs, v.name, id) == Verdict::Violated)
        .collect()
}
