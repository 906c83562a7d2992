//! The citable catalogue. `gilcheck prove` plans one search per model × variant × bound set
//! (plus, for models with liveness properties, the default variant under each change of
//! assumptions), runs them on every core, and this module turns the results into `proofs/`:
//! one page per property (`page`), `manifest.toml` (`manifest`), an SVG timeline per trace
//! (`svg`) and `index.html` (`index`).

pub mod index;
pub mod manifest;
pub mod page;
pub mod svg;

use crate::error::Error;
use crate::explore::{Basis, Options, Report, Verdict};
use crate::model::{Config, Fairness, Variant, VariantKind};
use crate::models::registry;
use crate::registry::{ModelEntry, PropertyInfo};
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

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

/// One finished search.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// Model name.
    pub model: &'static str,
    /// Variant name.
    pub variant: &'static str,
    /// What the variant mirrors.
    pub kind: VariantKind,
    /// The bounds.
    pub config: Config,
    /// See `Job::change`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// The checker's report.
    pub report: Report,
}

impl Run {
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

    /// The command that reproduces this run.
    pub fn command(&self) -> String {
        let mut command = format!(
            "gilcheck check {} --variant {} --threads {}",
            self.model, self.variant, self.config.threads
        );
        if self.config.objects > 0 {
            command.push_str(&format!(" --objects {}", self.config.objects));
        }
        if self.config.spurious_wakeups {
            command.push_str(" --spurious");
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

    /// Runs cut short by a limit, as `model/variant (bounds): limit`.
    pub fn incomplete(&self) -> Vec<String> {
        self.runs
            .iter()
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
}

/// The bound sets `prove` checks a model at: 2 up to its default thread count (or the default
/// alone), or with `deep` one and two threads more (as far as the model goes) and one more
/// object.
pub fn bound_sets(entry: &ModelEntry, deep: bool) -> Vec<Config> {
    let config = |threads: usize, objects: usize| Config {
        objects,
        ..Config::threads(threads)
    };
    let (threads, objects) = (entry.default_threads, entry.default_objects);
    if !deep {
        let low = threads.min(2).max(*entry.threads.start());
        return (low..=threads).map(|t| config(t, objects)).collect();
    }
    let mut sets: Vec<Config> = (threads + 1..=(threads + 2).min(*entry.threads.end()))
        .map(|t| config(t, objects))
        .collect();
    if entry.objects.contains(&(objects + 1)) {
        sets.push(config(threads, objects + 1));
    }
    sets
}

/// The searches of `scope`, and the properties it reports.
pub fn plan(scope: &Scope, base: &Options) -> Result<(Vec<Job>, Catalogue), Error> {
    let all = registry();
    let mut only_property = None;
    let chosen: Vec<ModelEntry> = match scope.only.as_deref() {
        None => all,
        Some(name) => {
            let by_id = all
                .iter()
                .find(|e| e.properties().iter().any(|p| p.id == name));
            if by_id.is_some() {
                only_property = Some(name.to_string());
            }
            let found = by_id.or_else(|| all.iter().find(|e| e.name == name));
            vec![found
                .ok_or_else(|| {
                    Error::bad_input(format!(
                        "--only {name}: no model or property ID of that name"
                    ))
                })?
                .clone()]
        }
    };
    let mut jobs = Vec::new();
    for entry in &chosen {
        // The searches run side by side, one per core, each on one thread and within its
        // share of the memory limit.
        let options = Options {
            symmetry: entry.symmetric,
            workers: 1,
            max_memory: base.max_memory / parallelism(),
            ..base.clone()
        };
        let sets = bound_sets(entry, scope.deep);
        for config in &sets {
            for variant in entry.variants {
                jobs.push(Job {
                    entry: entry.clone(),
                    variant,
                    config: config.clone(),
                    options: options.clone(),
                    change: None,
                });
            }
        }
        if !entry.properties().iter().any(|p| p.liveness) {
            continue;
        }
        for config in &sets {
            for fairness in Fairness::ALL {
                jobs.push(Job {
                    entry: entry.clone(),
                    variant: &entry.variants[0],
                    config: config.clone(),
                    options: Options {
                        fairness: Some(fairness),
                        ..options.clone()
                    },
                    change: Some(fairness.name().to_string()),
                });
            }
            jobs.push(Job {
                entry: entry.clone(),
                variant: &entry.variants[0],
                config: Config {
                    spurious_wakeups: true,
                    ..config.clone()
                },
                options: options.clone(),
                change: Some(SPURIOUS.to_string()),
            });
        }
    }
    let catalogue = Catalogue {
        models: chosen
            .into_iter()
            .map(|e| {
                let props = e.properties();
                (e, props)
            })
            .collect(),
        runs: Vec::new(),
        only_property,
    };
    Ok((jobs, catalogue))
}

/// The name of the sensitivity change that allows spurious wake-ups.
pub const SPURIOUS: &str = "spurious wake-ups";

/// Runs `jobs` on every core, calling `done` after each; results keep the plan's order.
pub fn execute(jobs: &[Job], done: &(dyn Fn(&Job) + Sync)) -> Result<Vec<Run>, Error> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Run, Error>>>> = Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..parallelism().min(jobs.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let run = job
                    .entry
                    .check(job.variant, &job.config, &job.options)
                    .map(|report| Run {
                        model: job.entry.name,
                        variant: job.variant.name,
                        kind: job.variant.kind,
                        config: job.config.clone(),
                        change: job.change.clone(),
                        report,
                    });
                results.lock().expect("no worker panics")[i] = Some(run);
                done(job);
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

/// How many searches run side by side: one per core.
fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
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

/// The variants of `entry` that violate property `id` at some bound set of `runs` (non-vacuity).
pub fn violators(entry: &ModelEntry, runs: &[&Run], id: &str) -> Vec<&'static Variant> {
    entry
        .variants
        .iter()
        .filter(|v| {
            let of_variant: Vec<&Run> = runs
                .iter()
                .copied()
                .filter(|r| r.variant == v.name)
                .collect();
            summary(&of_variant, id) == Verdict::Violated
        })
        .collect()
}

/// Writes the catalogue as the whole content of `dir` (see `crate::files::replace_dir`: only a
/// directory that is absent, empty or a catalogue gilcheck wrote is replaced).
pub fn write(catalogue: &Catalogue, dir: &Path) -> Result<(), Error> {
    crate::files::replace_dir(dir, &files(catalogue))
}

/// Every file of the catalogue: (path inside the directory, contents), sorted by path.
pub fn files(catalogue: &Catalogue) -> Vec<(String, String)> {
    let mut files = vec![
        ("manifest.toml".to_string(), manifest::manifest(catalogue)),
        ("index.html".to_string(), index::index(catalogue)),
    ];
    for (entry, property) in catalogue.properties() {
        let (text, pictures) = page::page(catalogue, entry, property);
        files.push((page::file_name(property.id), text));
        files.extend(pictures);
    }
    files.sort();
    files
}
