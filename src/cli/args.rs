//! The command line's grammar (clap). A model's own settings are flags too (`--objects 2`,
//! `--finite`): they are not known here, so `settings_as_set` rewrites each one the models
//! declare into the generic `--set NAME=VALUE` before clap parses.

use crate::explore::{Deadline, Options, MAX_WORKERS};
use crate::model::Fairness;
use crate::registry::ModelEntry;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "gilcheck",
    version,
    about = "Check precise models of CPython's GIL"
)]
pub struct Cli {
    /// Print the results as JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// List models, their settings, variants and properties.
    List,
    /// Check one model and variant exhaustively.
    Check {
        /// Model name (see `list`).
        model: String,
        /// Variant name (default: the model's first).
        #[arg(long)]
        variant: Option<String>,
        /// Number of threads.
        #[arg(long)]
        threads: Option<usize>,
        #[command(flatten)]
        settings: SettingArgs,
        #[command(flatten)]
        search: SearchArgs,
        /// Save each trace (counterexample or witness) as DIR/<ID>.json, for `replay`; DIR is
        /// written as a whole and must be new, empty, or a set of traces written before.
        #[arg(long)]
        save_traces: Option<PathBuf>,
    },
    /// Re-run a saved trace (JSON, from any backend) on the spec and confirm what it claims.
    Replay {
        /// The trace file.
        file: PathBuf,
    },
    /// Check every model x variant x bound set, print the verdict table and write the
    /// catalogue (proofs/: a page per property, manifest.toml, SVG timelines, index.html).
    Prove {
        /// Larger bounds: one and two threads above each model's default, each count setting
        /// one more.
        #[arg(long)]
        deep: bool,
        /// Only this model, or only this property ID (and its model's searches).
        #[arg(long)]
        only: Option<String>,
        /// Write the catalogue here (default: proofs/, for the full default run only); with
        /// --shard, the share's reports.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run only share I of N of the searches (every Nth from the Ith) and save their reports
        /// in --out, for `prove --merge` (for example one share per CI runner).
        #[arg(long, value_name = "I/N", conflicts_with = "merge")]
        shard: Option<String>,
        /// Make the catalogue from the saved shares (each --shard's --out), all of one plan.
        #[arg(long, value_name = "DIR", num_args = 1..)]
        merge: Vec<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Print a property's page (its verdicts, computed now, and its traces).
    Explain {
        /// Property ID, e.g. GIL-S1.
        id: String,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Judge the seed essay's claims C1–C9 from the checker's results (a Markdown table).
    Verdicts {
        /// Replace the table between the markers in this file (README.md) instead of printing.
        #[arg(long)]
        write: Option<PathBuf>,
    },
    /// Force a model's counterexample on a real CPython under gdb (breakpoints, one thread at
    /// a time, reads of memory), and run the same program without gdb to see how often it
    /// fails by itself. Needs gdb and the interpreter's debug symbols.
    Reproduce {
        /// Property ID (GIL-X1, GIL-S3, GIL-L2); with --trace, the trace's.
        id: Option<String>,
        /// The variant whose counterexample is forced (e.g. gh-96387-3.11.2).
        #[arg(long, conflicts_with = "trace")]
        variant: Option<String>,
        /// Force this counterexample (saved by `check --save-traces`) instead of the one
        /// the checker finds now; its variant and bounds are the trace's.
        #[arg(long, conflicts_with = "threads")]
        trace: Option<PathBuf>,
        /// Model threads (default: the program's).
        #[arg(long)]
        threads: Option<usize>,
        /// The interpreter.
        #[arg(long, default_value = "/usr/bin/python3.11")]
        python: PathBuf,
        /// Also run the program N times without gdb, then N times pinned to one CPU.
        #[arg(long, default_value_t = 0)]
        control: usize,
        /// Rounds of the cycle to force, for a lasso (a liveness counterexample).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Make no forced run (control runs only; gdb not needed).
        #[arg(long)]
        no_force: bool,
        /// Keep the forced run's files (plan, program, gdb script and log, result) in DIR,
        /// which must be new, empty, or written by an earlier reproduce.
        #[arg(long)]
        save: Option<PathBuf>,
    },
    /// Measure the explicit checker (states/s, bytes per state, how states grow with threads
    /// and settings, with and without symmetry) and, with --twins, the model's executable twin
    /// under loom and shuttle.
    Bench {
        /// Model to measure.
        #[arg(default_value = "gil")]
        model: String,
        /// Thread counts to measure.
        #[arg(long, value_delimiter = ',', default_values_t = [3usize, 4])]
        threads: Vec<usize>,
        #[command(flatten)]
        settings: SettingArgs,
        /// Threads computing successors, 1 to 256 (default: every core).
        #[arg(long, value_parser = parse_workers)]
        workers: Option<usize>,
        /// Also time the model's executable twin under loom and shuttle.
        #[arg(long)]
        twins: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

/// A model's own settings.
#[derive(Args)]
pub struct SettingArgs {
    /// A model setting (see `list`): `NAME=VALUE` for a count, `NAME` for a flag; each may
    /// also be written `--NAME VALUE` or `--NAME`. For `bench`, a count may list values
    /// (`objects=1,2,3`).
    #[arg(long = "set", value_name = "NAME[=VALUE]")]
    pub set: Vec<String>,
}

#[derive(Args)]
pub struct LimitArgs {
    /// Stop a search after this many states (its verdicts become inconclusive).
    #[arg(long, default_value_t = 500_000_000)]
    max_states: usize,
    /// Stop after this many seconds in all (verdicts left undecided become inconclusive).
    #[arg(long, default_value_t = 600.0, value_parser = parse_seconds)]
    max_seconds: f64,
    /// Stop a search once its visited set holds this many MiB (its verdicts become
    /// inconclusive); default: half the memory available at the start, at least 64.
    #[arg(long)]
    max_memory: Option<usize>,
}

impl LimitArgs {
    /// The options of a command that starts now: its deadline is set here, once.
    pub fn options(&self) -> Options {
        let defaults = Options::default();
        Options {
            max_states: self.max_states,
            deadline: Some(Deadline::after(self.max_seconds)),
            max_memory: self
                .max_memory
                .map_or(defaults.max_memory, |mib| mib.saturating_mul(1024 * 1024)),
            ..defaults
        }
    }
}

#[derive(Args)]
pub struct SearchArgs {
    /// Reduce by thread symmetry (one state per class of thread renamings).
    #[arg(long)]
    symmetry: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// Check liveness under this fairness instead of each property's own: weak-thread,
    /// strong-thread or strong-action.
    #[arg(long, value_parser = parse_fairness)]
    fairness: Option<Fairness>,
    /// Check only these properties (IDs, comma-separated).
    #[arg(long, value_delimiter = ',')]
    property: Vec<String>,
    /// Threads computing successors, 1 to 256 (default: every core; verdicts and traces do
    /// not depend on it).
    #[arg(long, value_parser = parse_workers)]
    workers: Option<usize>,
}

impl SearchArgs {
    pub fn options(&self) -> Options {
        let limits = self.limits.options();
        Options {
            symmetry: self.symmetry,
            fairness: self.fairness,
            properties: self.property.clone(),
            workers: self.workers.unwrap_or(limits.workers),
            ..limits
        }
    }
}

fn parse_fairness(name: &str) -> Result<Fairness, String> {
    Fairness::from_name(name).ok_or_else(|| {
        let known: Vec<_> = Fairness::ALL.iter().map(|f| f.name()).collect();
        format!("unknown fairness '{name}' (known: {})", known.join(", "))
    })
}

/// A time budget: a finite number of seconds, zero or more.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds),
        _ => Err(format!("'{text}' is not a number of seconds (0 or more)")),
    }
}

/// A number of worker threads, 1 to `MAX_WORKERS`.
pub fn parse_workers(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_WORKERS).contains(&n) => Ok(n),
        _ => Err(format!("'{text}' workers: give 1 to {MAX_WORKERS}")),
    }
}

/// `args` with every `--NAME [VALUE]` or `--NAME=VALUE` whose NAME is a setting of some model
/// in `models` rewritten as `--set NAME[=VALUE]` (a count takes the next argument as its value).
pub fn settings_as_set(args: Vec<String>, models: &[ModelEntry]) -> Vec<String> {
    let setting = |name: &str| {
        models
            .iter()
            .flat_map(|m| m.settings)
            .find(|s| s.name == name)
    };
    let mut out = Vec::with_capacity(args.len());
    let mut rest = args.into_iter();
    while let Some(arg) = rest.next() {
        let Some(flag) = arg.strip_prefix("--") else {
            out.push(arg);
            continue;
        };
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (flag.to_string(), None),
        };
        match setting(&name) {
            None => out.push(arg),
            Some(found) => {
                let value = match (value, &found.kind) {
                    (Some(value), _) => Some(value),
                    (None, crate::config::SettingKind::Count { .. }) => rest.next(),
                    (None, crate::config::SettingKind::Flag { .. }) => None,
                };
                out.push("--set".into());
                out.push(match value {
                    Some(value) => format!("{name}={value}"),
                    None => name,
                });
            }
        }
    }
    out
}
