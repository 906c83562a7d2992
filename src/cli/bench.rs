//! `bench MODEL`: the explicit checker's speed and memory per state over thread counts and
//! settings, with and without symmetry, and with `--twins` the model's executable twin.

use super::check::settings;
use super::output::emit;
use super::report::{Bench, BenchRow};
use super::Tool;
use crate::config::Config;
use crate::error::Error;
use crate::explore::Options;
use crate::model::kind_of;

/// Runs the measurements and prints them; exits 3 when some row reached a limit.
pub fn bench(
    tool: &Tool,
    model: &str,
    threads: &[usize],
    given: &[String],
    options: &Options,
    twins: bool,
) -> Result<i32, Error> {
    let entry = tool.find(model)?;
    let variant = entry.variant(None)?;
    let twin_run = match (twins, entry.twin_bench) {
        (false, _) => None,
        (true, Some(run)) => Some(run),
        (true, None) => {
            return Err(Error::bad_input(format!(
                "model '{}' has no executable twin to measure",
                entry.name
            )))
        }
    };
    let safety: Vec<String> = entry
        .properties()
        .iter()
        .filter(|p| kind_of(p.id) == Some('S'))
        .map(|p| p.id.to_string())
        .collect();
    // Every combination of the thread counts and the settings' listed values.
    let mut configs: Vec<Config> = threads.iter().map(|&t| entry.config(t)).collect();
    for (name, values) in settings(&entry, given)? {
        configs = configs
            .iter()
            .flat_map(|c| values.iter().map(move |&v| c.clone().with(name, v)))
            .collect();
    }
    let mut rows = Vec::new();
    for config in configs {
        for symmetry in [false, true] {
            if symmetry && !entry.symmetric {
                continue;
            }
            let search = Options {
                symmetry,
                properties: safety.clone(),
                ..options.clone()
            };
            let all = Options {
                symmetry,
                ..options.clone()
            };
            rows.push(BenchRow {
                search: entry.check(variant, &config, &search)?,
                all: entry.check(variant, &config, &all)?,
                config: entry.validate(&config, options)?,
                symmetry,
            });
        }
    }
    let limited = rows
        .iter()
        .any(|r| r.search.limit.is_some() || r.all.limit.is_some());
    let twins = twin_run.map(|run| run()).unwrap_or_default();
    emit(&tool.reporter.bench(&Bench {
        entry: &entry,
        workers: options.workers,
        rows,
        twins,
    }))?;
    match limited {
        true => Err(Error::limit(
            "some rows reached a limit (their last column): their numbers are partial",
        )),
        false => Ok(0),
    }
}
