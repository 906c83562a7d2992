//! `gilcheck list | check | prove | bench`: exit 0 when every property holds (for `prove`:
//! when every check ran to completion), 1 when a property is violated, 2 on bad input or when
//! a limit made a result inconclusive.

use crate::explore::{Options, Report, Verdict};
use crate::model::{Config, Fairness};
use crate::models::{self, registry};
use crate::registry::{ModelEntry, UsageError};
use clap::{Args, Parser, Subcommand};
use std::fmt::Write;

#[derive(Parser)]
#[command(
    name = "gilcheck",
    version,
    about = "Check precise models of CPython's GIL"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List models, their variants and properties.
    List,
    /// Check one model and variant exhaustively.
    Check {
        /// Model name (see `gilcheck list`).
        model: String,
        /// Variant name (default: the model's first, faithful variant).
        #[arg(long)]
        variant: Option<String>,
        /// Number of Python threads.
        #[arg(long)]
        threads: Option<usize>,
        /// Number of Python objects (models with objects).
        #[arg(long)]
        objects: Option<usize>,
        /// Threads may finish (as in the executable twins) instead of looping forever.
        #[arg(long)]
        finite: bool,
        /// Condition-variable waits may return without a signal.
        #[arg(long)]
        spurious: bool,
        #[command(flatten)]
        search: SearchArgs,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check every model and variant at its default bounds and print one verdict table.
    Prove {
        #[command(flatten)]
        search: SearchArgs,
    },
    /// Judge the seed essay's claims C1–C9 from the checker's results (a Markdown table).
    Verdicts {
        /// Replace the table between the markers in this file (README.md) instead of printing.
        #[arg(long)]
        write: Option<std::path::PathBuf>,
    },
    /// Measure the explicit checker: states/s and bytes per state.
    Bench {
        /// Model to measure.
        #[arg(default_value = "gil")]
        model: String,
        /// Thread counts to measure.
        #[arg(long, value_delimiter = ',', default_values_t = [3usize, 4])]
        threads: Vec<usize>,
    },
}

#[derive(Args)]
struct SearchArgs {
    /// Reduce by thread symmetry (one state per class of thread renamings).
    #[arg(long)]
    symmetry: bool,
    /// Stop after this many states (verdicts become inconclusive).
    #[arg(long, default_value_t = 20_000_000)]
    max_states: usize,
    /// Stop after this many seconds (verdicts become inconclusive).
    #[arg(long, default_value_t = 600.0)]
    max_seconds: f64,
    /// Check liveness under this fairness instead of each property's own: weak-thread,
    /// strong-thread or strong-action.
    #[arg(long, value_parser = parse_fairness)]
    fairness: Option<Fairness>,
}

fn parse_fairness(name: &str) -> Result<Fairness, String> {
    Fairness::from_name(name).ok_or_else(|| {
        let known: Vec<_> = Fairness::ALL.iter().map(|f| f.name()).collect();
        format!("unknown fairness '{name}' (known: {})", known.join(", "))
    })
}

impl SearchArgs {
    fn options(&self) -> Options {
        Options {
            symmetry: self.symmetry,
            max_states: self.max_states,
            max_seconds: self.max_seconds,
            fairness: self.fairness,
        }
    }
}

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let first = e.to_string();
            let line = first.lines().next().unwrap_or("bad arguments");
            eprintln!("{line}");
            return 2;
        }
        Err(e) => {
            print!("{e}");
            return 0;
        }
    };
    match run(cli.command) {
        Ok(code) => code,
        Err(UsageError(message)) => {
            eprintln!("error: {message}");
            2
        }
    }
}

fn run(command: Command) -> Result<i32, UsageError> {
    match command {
        Command::List => {
            print!("{}", list());
            Ok(0)
        }
        Command::Check {
            model,
            variant,
            threads,
            objects,
            finite,
            spurious,
            search,
            json,
        } => {
            let entry = models::find(&model)?;
            let variant = entry.variant(variant.as_deref())?;
            let config = Config {
                threads: threads.unwrap_or(entry.default_threads),
                objects: objects.unwrap_or(entry.default_objects),
                finite,
                spurious_wakeups: spurious,
            };
            let report = entry.check(variant, &config, &search.options())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("reports serialise")
                );
            } else {
                print!(
                    "{}",
                    describe_report(&entry, variant.name, &config, &report)
                );
            }
            Ok(exit_code(&report)?)
        }
        Command::Prove { search } => prove(&search.options()),
        Command::Verdicts { write } => {
            let table = crate::verdicts::table();
            match write {
                None => println!("{table}"),
                Some(path) => write_table(&path, &table)?,
            }
            Ok(0)
        }
        Command::Bench { model, threads } => {
            let entry = models::find(&model)?;
            print!("{}", bench(&entry, &threads)?);
            Ok(0)
        }
    }
}

fn list() -> String {
    let mut out = String::new();
    for entry in registry() {
        let _ = writeln!(out, "{}: {}", entry.name, entry.summary);
        let _ = writeln!(
            out,
            "  threads {}..={} (default {})",
            entry.threads.start(),
            entry.threads.end(),
            entry.default_threads
        );
        if *entry.objects.end() > 0 {
            let _ = writeln!(
                out,
                "  objects {}..={} (default {})",
                entry.objects.start(),
                entry.objects.end(),
                entry.default_objects
            );
        }
        let _ = writeln!(out, "  variants:");
        for v in entry.variants {
            let _ = writeln!(out, "    {:<22} {}", v.name, v.summary);
        }
        let _ = writeln!(out, "  properties:");
        for p in (entry.properties)() {
            let _ = writeln!(out, "    {:<8} {}", p.id, p.statement);
        }
    }
    out
}

/// 1 when a property is violated, else an error when a limit cut the search, else 0.
fn exit_code(report: &Report) -> Result<i32, UsageError> {
    if report
        .results
        .iter()
        .any(|r| r.verdict == Verdict::Violated)
    {
        return Ok(1);
    }
    match &report.limit {
        Some(limit) => Err(UsageError(format!(
            "{limit}; undecided properties are inconclusive"
        ))),
        None => Ok(0),
    }
}

fn header(entry: &ModelEntry, variant: &str, config: &Config, report: &Report) -> String {
    format!(
        "{} / {} with {}{}: {} states, {} transitions, depth {}, {:.2} s, {:.0} states/s{}",
        entry.name,
        variant,
        config.bounds(),
        if report.symmetry { ", symmetry" } else { "" },
        report.states,
        report.transitions,
        report.depth,
        report.seconds,
        report.states_per_second(),
        match &report.limit {
            Some(limit) => format!(" (INCOMPLETE: {limit})"),
            None => " (exhaustive)".to_string(),
        }
    )
}

fn describe_report(entry: &ModelEntry, variant: &str, config: &Config, report: &Report) -> String {
    let mut out = header(entry, variant, config, report);
    out.push('\n');
    for r in &report.results {
        let numbers = r.numbers.map(|n| format!(" ({n})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<8} {:<12} {}{numbers}",
            r.id,
            r.verdict.to_string(),
            r.statement
        );
    }
    if let Some(live) = report.results.iter().find(|r| !r.assumptions.is_empty()) {
        let _ = writeln!(out, "liveness verdicts assume:");
        for assumption in &live.assumptions {
            let _ = writeln!(out, "  - {assumption}");
        }
    }
    for r in &report.results {
        if let (Verdict::Violated, Some(trace)) = (r.verdict, &r.trace) {
            let _ = writeln!(
                out,
                "\ncounterexample for {} ({} steps, shortest):",
                r.id,
                trace.steps.len()
            );
            out.push_str(&trace.to_text());
        }
    }
    out
}

fn prove(options: &Options) -> Result<i32, UsageError> {
    let mut table = String::new();
    let mut incomplete = Vec::new();
    let _ = writeln!(
        table,
        "{:<8} {:<21} {:<8} {:<12} {:>9} {:>7}  bounds",
        "model", "variant", "property", "verdict", "states", "seconds"
    );
    for entry in registry() {
        let config = entry.config(entry.default_threads);
        let options = Options {
            symmetry: entry.symmetric,
            ..options.clone()
        };
        let mut violators: Vec<(String, Vec<String>)> = (entry.properties)()
            .iter()
            .map(|p| (p.id.to_string(), Vec::new()))
            .collect();
        for variant in entry.variants {
            let report = entry.check(variant, &config, &options)?;
            if let Some(limit) = &report.limit {
                incomplete.push(format!("{}/{}: {limit}", entry.name, variant.name));
            }
            for r in &report.results {
                let _ = writeln!(
                    table,
                    "{:<8} {:<21} {:<8} {:<12} {:>9} {:>7.2}  {}{}",
                    entry.name,
                    variant.name,
                    r.id,
                    r.verdict.to_string(),
                    report.states,
                    report.seconds,
                    config.bounds(),
                    if report.symmetry { ", symmetry" } else { "" }
                );
                if r.verdict == Verdict::Violated {
                    if let Some((_, names)) = violators.iter_mut().find(|(id, _)| *id == r.id) {
                        names.push(if variant.name == entry.variants[0].name {
                            format!("{} (default)", variant.name)
                        } else {
                            variant.name.to_string()
                        });
                    }
                }
            }
        }
        let _ = writeln!(
            table,
            "\nnon-vacuity ({}): variants that violate each property",
            entry.name
        );
        for (id, names) in &violators {
            let names = if names.is_empty() {
                "NONE: no variant violates it".to_string()
            } else {
                names.join(", ")
            };
            let _ = writeln!(table, "  {id:<8} {names}");
        }
        let mut counts = vec![config.threads];
        if config.threads > 2 && entry.threads.contains(&2) {
            counts.insert(0, 2);
        }
        for threads in counts {
            let config = Config {
                threads,
                ..config.clone()
            };
            table.push_str(&sensitivity(&entry, &config, &options)?);
        }
        table.push('\n');
    }
    print!("{table}");
    if incomplete.is_empty() {
        Ok(0)
    } else {
        Err(UsageError(format!(
            "searches cut short (inconclusive): {}",
            incomplete.join("; ")
        )))
    }
}

/// Replaces the verdict table in `path`, writing a temporary file first so that a failure
/// leaves the file as it was.
fn write_table(path: &std::path::Path, table: &str) -> Result<(), UsageError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read {shown}: {e}")))?;
    let updated = crate::verdicts::splice(&text, table).ok_or_else(|| {
        UsageError(format!(
            "{shown} has no verdict markers ({} ... {})",
            crate::verdicts::BEGIN,
            crate::verdicts::END
        ))
    })?;
    let temporary = path.with_extension("verdicts.tmp");
    std::fs::write(&temporary, updated)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| UsageError(format!("cannot write {shown}: {e}")))
}

/// For each liveness property of the default variant: its verdict under the default
/// assumptions and under each single change of them (another fairness, spurious wake-ups).
fn sensitivity(
    entry: &ModelEntry,
    config: &Config,
    options: &Options,
) -> Result<String, UsageError> {
    let live: Vec<&'static str> = (entry.properties)()
        .iter()
        .filter(|p| p.liveness)
        .map(|p| p.id)
        .collect();
    if live.is_empty() {
        return Ok(String::new());
    }
    let variant = entry.variant(None)?;
    let mut changes: Vec<(String, Config, Options)> =
        vec![("as stated".into(), config.clone(), options.clone())];
    for fairness in Fairness::ALL {
        let options = Options {
            fairness: Some(fairness),
            ..options.clone()
        };
        changes.push((fairness.name().into(), config.clone(), options));
    }
    let spurious = Config {
        spurious_wakeups: !config.spurious_wakeups,
        ..config.clone()
    };
    changes.push(("spurious wake-ups".into(), spurious, options.clone()));
    let reports = changes
        .iter()
        .map(|(_, config, options)| entry.check(variant, config, options))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = format!(
        "\nassumption sensitivity ({} / {}, {}): liveness verdicts as stated and with one change\n  {:<8}",
        entry.name,
        variant.name,
        config.bounds(),
        "property"
    );
    for (name, _, _) in &changes {
        let _ = write!(out, " {name:>17}");
    }
    out.push('\n');
    for id in live {
        let _ = write!(out, "  {id:<8}");
        for report in &reports {
            let verdict = report.verdict(id).map_or("-".into(), |v| v.to_string());
            let _ = write!(out, " {verdict:>17}");
        }
        out.push('\n');
    }
    if let Some(stated) = reports[0]
        .results
        .iter()
        .find(|r| !r.assumptions.is_empty())
    {
        let _ = writeln!(out, "  as stated: {}", stated.assumptions.join("; "));
    }
    Ok(out)
}

fn bench(entry: &ModelEntry, threads: &[usize]) -> Result<String, UsageError> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<6} {:>7} {:>9} {:>10} {:>12} {:>8} {:>12} {:>11}",
        "model",
        "threads",
        "symmetry",
        "states",
        "transitions",
        "seconds",
        "states/s",
        "bytes/state"
    );
    let variant = entry.variant(None)?;
    for &n in threads {
        for symmetry in [false, true] {
            if symmetry && !entry.symmetric {
                continue;
            }
            let options = Options {
                symmetry,
                ..Options::default()
            };
            let report = entry.check(variant, &entry.config(n), &options)?;
            let _ = writeln!(
                out,
                "{:<6} {:>7} {:>9} {:>10} {:>12} {:>8.3} {:>12.0} {:>11.1}",
                entry.name,
                n,
                if symmetry { "on" } else { "off" },
                report.states,
                report.transitions,
                report.seconds,
                report.states_per_second(),
                report.memory_bytes as f64 / report.states.max(1) as f64
            );
        }
    }
    Ok(out)
}
