//! `prove`'s plan: which searches to run (every model, variant and bound set, and for models
//! with liveness properties the default variant under each change of assumptions), and running
//! them on every core.

use super::catalogue::{Catalogue, Job, Run, Scope};
use crate::config::{Config, Value};
use crate::error::Error;
use crate::explore::Options;
use crate::model::Fairness;
use crate::registry::ModelEntry;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The bound sets `prove` checks a model at: 2 up to its default thread count (or the default
/// alone), or with `deep` one and two threads more (as far as the model goes) and each count
/// setting one more (as far as it goes).
pub fn bound_sets(entry: &ModelEntry, deep: bool) -> Vec<Config> {
    let threads = entry.default_threads;
    if !deep {
        let low = threads.min(2).max(*entry.threads.start());
        return (low..=threads).map(|t| entry.config(t)).collect();
    }
    let mut sets: Vec<Config> = (threads + 1..=(threads + 2).min(*entry.threads.end()))
        .map(|t| entry.config(t))
        .collect();
    for setting in entry.bounds() {
        let one_more = setting.value_in(&entry.config(threads)) as u32 + 1;
        if setting.accepts(Value::Count(one_more)).is_ok() {
            sets.push(entry.config(threads).with(setting.name, one_more));
        }
    }
    sets
}

/// The searches of `scope`, and the properties it reports.
pub fn plan(
    models: &[ModelEntry],
    scope: &Scope,
    base: &Options,
) -> Result<(Vec<Job>, Catalogue), Error> {
    let all = models.to_vec();
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
        // share of the memory limit; deep ones, large, one after another, each on every core
        // and with the whole memory limit.
        let side_by_side = side_by_side(scope);
        let options = Options {
            symmetry: entry.symmetric,
            workers: base.workers.min(parallelism() / side_by_side).max(1),
            max_memory: base.max_memory / side_by_side,
            ..base.clone()
        };
        let sets = bound_sets(entry, scope.deep);
        for config in &sets {
            for variant in entry.variants() {
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
                    variant: &entry.variants()[0],
                    config: config.clone(),
                    options: Options {
                        fairness: Some(fairness),
                        ..options.clone()
                    },
                    change: Some(fairness.name().to_string()),
                });
            }
            for relaxation in entry.relaxations() {
                jobs.push(Job {
                    entry: entry.clone(),
                    variant: &entry.variants()[0],
                    config: config.clone().with(relaxation.name, true),
                    options: options.clone(),
                    change: Some(relaxation.name.to_string()),
                });
            }
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
        program: "gilcheck".to_string(),
    };
    Ok((jobs, catalogue))
}

/// Runs `jobs`, `side_by_side` at a time (`side_by_side(scope)`), calling `done` after each;
/// results keep the jobs' order.
pub fn execute(
    jobs: &[&Job],
    side_by_side: usize,
    done: &(dyn Fn(&Job) + Sync),
) -> Result<Vec<Run>, Error> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Run, Error>>>> = Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..side_by_side.min(jobs.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let run = job
                    .entry
                    .check(job.variant, &job.config, &job.options)
                    .map(|report| job.run(report));
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

/// How many searches of `scope` run side by side: one per core, or one at a time for `--deep`.
pub fn side_by_side(scope: &Scope) -> usize {
    match scope.deep {
        true => 1,
        false => parallelism(),
    }
}

/// The cores.
fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
