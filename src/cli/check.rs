//! `check MODEL`: one model and variant, exhaustively, and the exit code its verdicts give.

use super::output::{emit, note};
use super::report::Checked;
use super::Tool;
use crate::config::Config;
use crate::error::Error;
use crate::explore::{Options, Report, Verdict};
use crate::files;
use crate::registry::ModelEntry;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::RecvTimeoutError::Timeout;
use std::sync::Arc;
use std::time::Duration;

/// What `check` is asked.
pub struct CheckArgs<'a> {
    pub model: &'a str,
    pub variant: Option<&'a str>,
    pub threads: Option<usize>,
    pub settings: &'a [String],
    pub options: Options,
    pub save_traces: Option<&'a Path>,
}

/// Runs `check`: prints the report, saves the traces, and returns the exit code.
pub fn check(tool: &Tool, args: CheckArgs<'_>) -> Result<i32, Error> {
    let entry = tool.find(args.model)?;
    let variant = entry.variant(args.variant)?;
    let mut config = Config::threads(args.threads.unwrap_or(entry.default_threads));
    for (name, values) in settings(&entry, args.settings)? {
        let [value] = values[..] else {
            return Err(Error::bad_input(format!("--{name} takes one value here")));
        };
        config = config.with(name, value);
    }
    let config = entry.validate(&config, &args.options)?;
    if let Some(dir) = args.save_traces {
        files::check_target(dir)?;
    }
    let report = with_progress(&args.options, |options| {
        entry.check(variant, &config, options)
    })?;
    emit(&tool.reporter.check(&Checked {
        entry: &entry,
        variant,
        config: &config,
        report: &report,
    }))?;
    if let Some(dir) = args.save_traces {
        save(&report, dir)?;
    }
    exit_code(&report)
}

/// The settings given on the command line (`NAME=VALUE`, `NAME`; a count may list values
/// separated by commas), each read by the setting of `entry` it names.
pub fn settings(
    entry: &ModelEntry,
    given: &[String],
) -> Result<Vec<(&'static str, Vec<crate::config::Value>)>, Error> {
    given
        .iter()
        .map(|text| {
            let (name, value) = match text.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (text.as_str(), None),
            };
            let setting = entry.setting(name)?;
            let values = match value {
                None => vec![setting.parse(None)],
                Some(list) => list.split(',').map(|v| setting.parse(Some(v))).collect(),
            };
            let values: Result<Vec<_>, String> = values.into_iter().collect();
            let values =
                values.map_err(|why| Error::bad_input(format!("model '{}': {why}", entry.name)))?;
            Ok((setting.name, values))
        })
        .collect()
}

/// Runs `work` with a progress line on a terminal once it has taken a second: the states
/// stored so far and the time.
pub fn with_progress<T>(options: &Options, work: impl FnOnce(&Options) -> T) -> T {
    let stored = Arc::new(AtomicUsize::new(0));
    let options = Options {
        progress: Some(Arc::clone(&stored)),
        ..options.clone()
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{elapsed:>4} {spinner} {msg}").expect("a valid template"),
    );
    // The work's end wakes the display at once (a sleep would hold every run up to 100 ms).
    let (done, finished) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let (bar, stored) = (&bar, &stored);
        scope.spawn(move || {
            for tick in 0.. {
                if finished.recv_timeout(Duration::from_millis(100)) != Err(Timeout) {
                    break;
                }
                if tick >= 10 {
                    let states = stored.load(Ordering::Relaxed);
                    bar.set_message(format!("{states} states stored"));
                    bar.tick();
                }
            }
            bar.finish_and_clear();
        });
        let result = work(&options);
        drop(done);
        result
    })
}

/// Writes the traces of `report` as the whole content of `dir`, one `<ID>.json` each, so that
/// the traces of one run are never mixed with another's.
fn save(report: &Report, dir: &Path) -> Result<(), Error> {
    let traces: Vec<(String, String)> = report
        .results
        .iter()
        .filter_map(|r| Some((format!("{}.json", r.id), r.trace.as_ref()?.to_json())))
        .collect();
    files::replace_dir(dir, &traces)
}

/// 1 when a property is violated, else a limit error when some verdict is inconclusive, else
/// 0. Inconclusive verdicts are named on stderr in either case.
fn exit_code(report: &Report) -> Result<i32, Error> {
    let undecided = report.inconclusive();
    let violated = report
        .results
        .iter()
        .any(|r| r.verdict == Verdict::Violated);
    let message = format!(
        "inconclusive: {} ({})",
        undecided.join(", "),
        report.limit.as_deref().unwrap_or("a limit was reached")
    );
    match (violated, undecided.is_empty()) {
        (true, true) => Ok(1),
        (true, false) => {
            note(&message);
            Ok(1)
        }
        (false, false) => Err(Error::limit(message)),
        (false, true) => Ok(0),
    }
}
