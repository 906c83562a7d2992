//! `gilcheck list | check | prove | explain | verdicts | bench`: exit 0 when every property holds (for `prove`:
//! when every check ran to completion), 1 when a property is violated, 2 on bad input or when
//! a limit made a result inconclusive.

use crate::explore::{Options, Report, Verdict};
use crate::model::{kind_of, Config, Fairness};
use crate::models::{self, registry};
use crate::proofs::{self, Catalogue, Run, Scope};
use crate::registry::{ModelEntry, PropertyInfo, UsageError};
use crate::trace::Trace;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write;
use std::path::{Path, PathBuf};

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
        /// Save each trace (counterexample or witness) as DIR/<ID>.json, for `gilcheck replay`.
        #[arg(long)]
        save_traces: Option<PathBuf>,
    },
    /// Re-run a saved trace (JSON, from any backend) on the spec and print it step by step,
    /// or the first step the spec does not allow.
    Replay {
        /// The trace file.
        file: PathBuf,
    },
    /// Check every model x variant x bound set, print the verdict table and write the
    /// catalogue (proofs/: a page per property, manifest.toml, SVG timelines, index.html).
    Prove {
        /// Larger bounds: one and two threads above each model's default, one more object.
        #[arg(long)]
        deep: bool,
        /// Only this model, or only this property ID (and its model's searches).
        #[arg(long)]
        only: Option<String>,
        /// Print the results as JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Write the catalogue here (default: proofs/, for the full default run only).
        #[arg(long)]
        out: Option<PathBuf>,
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
    /// Measure the explicit checker (states/s, bytes per state, how states grow with threads
    /// and objects, with and without symmetry) and, with --twins, loom and shuttle.
    Bench {
        /// Model to measure.
        #[arg(default_value = "gil")]
        model: String,
        /// Thread counts to measure.
        #[arg(long, value_delimiter = ',', default_values_t = [3usize, 4])]
        threads: Vec<usize>,
        /// Object counts to measure (models with objects; default: the model's default).
        #[arg(long, value_delimiter = ',')]
        objects: Vec<usize>,
        /// Threads computing successors (default: every core).
        #[arg(long)]
        workers: Option<usize>,
        /// Also time the GIL twin under loom (exhaustive: 2 threads, and 3 threads with no
        /// clock tick; 3 threads with preemption bounds 3 and 4) and shuttle (random and PCT,
        /// 4 threads).
        #[arg(long)]
        twins: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

#[derive(Args)]
struct LimitArgs {
    /// Stop a search after this many states (its verdicts become inconclusive).
    #[arg(long, default_value_t = 20_000_000)]
    max_states: usize,
    /// Stop a search after this many seconds (its verdicts become inconclusive).
    #[arg(long, default_value_t = 600.0)]
    max_seconds: f64,
    /// Stop a search once its visited set holds this many MiB (its verdicts become
    /// inconclusive); default: half the memory available at the start.
    #[arg(long)]
    max_memory: Option<usize>,
}

impl LimitArgs {
    fn options(&self) -> Options {
        let defaults = Options::default();
        Options {
            max_states: self.max_states,
            max_seconds: self.max_seconds,
            max_memory: self
                .max_memory
                .map_or(defaults.max_memory, |mib| mib.saturating_mul(1024 * 1024)),
            ..defaults
        }
    }
}

#[derive(Args)]
struct SearchArgs {
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
    /// Threads computing successors (default: every core; verdicts and traces do not depend
    /// on it).
    #[arg(long)]
    workers: Option<usize>,
}

fn parse_fairness(name: &str) -> Result<Fairness, String> {
    Fairness::from_name(name).ok_or_else(|| {
        let known: Vec<_> = Fairness::ALL.iter().map(|f| f.name()).collect();
        format!("unknown fairness '{name}' (known: {})", known.join(", "))
    })
}

impl SearchArgs {
    fn options(&self) -> Options {
        let limits = self.limits.options();
        Options {
            symmetry: self.symmetry,
            fairness: self.fairness,
            properties: self.property.clone(),
            workers: self.workers.unwrap_or(limits.workers).max(1),
            ..limits
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
            save_traces,
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
            if let Some(dir) = save_traces {
                save(&report, &dir)?;
            }
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
        Command::Prove {
            deep,
            only,
            json,
            out,
            limits,
        } => prove(
            &Scope { deep, only },
            &limits.options(),
            json,
            out.as_deref(),
        ),
        Command::Explain { id, limits } => explain(&id, &limits.options()),
        Command::Replay { file } => replay(&file),
        Command::Verdicts { write } => {
            let table = crate::verdicts::table();
            match write {
                None => println!("{table}"),
                Some(path) => write_table(&path, &table)?,
            }
            Ok(0)
        }
        Command::Bench {
            model,
            threads,
            objects,
            workers,
            twins,
            limits,
        } => {
            let entry = models::find(&model)?;
            let mut options = limits.options();
            options.workers = workers.unwrap_or(options.workers).max(1);
            let objects = if objects.is_empty() {
                vec![entry.default_objects]
            } else {
                objects
            };
            print!("{}", bench(&entry, &threads, &objects, &options)?);
            if twins {
                print!("{}", bench_twins());
            }
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
        for p in entry.properties() {
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

fn prove(
    scope: &Scope,
    limits: &Options,
    json: bool,
    out: Option<&Path>,
) -> Result<i32, UsageError> {
    let catalogue = prove_catalogue(scope, limits)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&catalogue.runs).expect("runs serialise")
        );
    } else {
        print!("{}", prove_table(&catalogue));
    }
    // The committed catalogue is the default run; a narrowed or deeper run writes only where
    // it is told to.
    let default_out = (scope.only.is_none() && !scope.deep).then(|| Path::new("proofs"));
    match out.or(default_out) {
        Some(dir) => {
            proofs::write(&catalogue, dir)?;
            eprintln!("wrote the catalogue to {}", dir.display());
        }
        None => eprintln!("(proofs/ not rewritten for --only or --deep; give --out DIR)"),
    }
    let incomplete = catalogue.incomplete();
    if incomplete.is_empty() {
        Ok(0)
    } else {
        Err(UsageError(format!(
            "searches cut short (inconclusive): {}",
            incomplete.join("; ")
        )))
    }
}

/// Plans and runs the searches of `scope`, with a progress bar on stderr (when it is a
/// terminal).
fn prove_catalogue(scope: &Scope, limits: &Options) -> Result<Catalogue, UsageError> {
    let (jobs, mut catalogue) = proofs::plan(scope, limits)?;
    let bar = ProgressBar::new(jobs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    catalogue.runs = proofs::execute(&jobs, &|job| {
        bar.inc(1);
        bar.set_message(format!(
            "{} / {} ({})",
            job.entry.name,
            job.variant.name,
            job.config.bounds()
        ));
    })?;
    bar.finish_and_clear();
    Ok(catalogue)
}

/// `prove`'s report: one line per run and property, then per model the variants that violate
/// each property and the liveness verdicts under each change of assumptions.
fn prove_table(catalogue: &Catalogue) -> String {
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<8} {:<21} {:<8} {:<12} {:>9} {:>7}  bounds",
        "model", "variant", "property", "verdict", "states", "seconds"
    );
    for (entry, properties) in &catalogue.models {
        let runs: Vec<&Run> = catalogue.stated(entry.name).collect();
        for run in &runs {
            for r in run
                .report
                .results
                .iter()
                .filter(|r| catalogue.reports(&r.id))
            {
                let _ = writeln!(
                    table,
                    "{:<8} {:<21} {:<8} {:<12} {:>9} {:>7.2}  {}",
                    entry.name,
                    run.variant,
                    r.id,
                    r.verdict.to_string(),
                    run.report.states,
                    run.report.seconds,
                    run.bounds()
                );
            }
        }
        let _ = writeln!(
            table,
            "\nnon-vacuity ({}): variants that violate each property",
            entry.name
        );
        for p in properties.iter().filter(|p| catalogue.reports(p.id)) {
            let names: Vec<String> = proofs::violators(entry, &runs, p.id)
                .into_iter()
                .map(|v| {
                    if v.name == entry.variants[0].name {
                        format!("{} (default)", v.name)
                    } else {
                        v.name.to_string()
                    }
                })
                .collect();
            let names = if names.is_empty() {
                "NONE: no variant violates it".to_string()
            } else {
                names.join(", ")
            };
            let _ = writeln!(table, "  {:<8} {names}", p.id);
        }
        table.push_str(&sensitivity(catalogue, entry, properties));
        table.push('\n');
    }
    table
}

/// For each liveness property of the default variant and each bound set: its verdict as stated
/// and under each single change of assumptions.
fn sensitivity(catalogue: &Catalogue, entry: &ModelEntry, properties: &[PropertyInfo]) -> String {
    let live: Vec<&str> = properties
        .iter()
        .filter(|p| p.liveness && catalogue.reports(p.id))
        .map(|p| p.id)
        .collect();
    let default = entry.variants[0].name;
    let mut out = String::new();
    if live.is_empty() {
        return out;
    }
    let stated: Vec<&Run> = catalogue
        .stated(entry.name)
        .filter(|r| r.variant == default)
        .collect();
    for base in stated {
        let changed: Vec<&Run> = catalogue
            .runs
            .iter()
            .filter(|r| r.model == entry.name && r.change.is_some())
            .filter(|r| {
                r.config.threads == base.config.threads && r.config.objects == base.config.objects
            })
            .collect();
        let _ = write!(
            out,
            "\nassumption sensitivity ({} / {default}, {}): liveness verdicts as stated and with one change\n  {:<8} {:>17}",
            entry.name,
            base.config.bounds(),
            "property",
            "as stated"
        );
        for run in &changed {
            let _ = write!(out, " {:>17}", run.change.as_deref().unwrap_or_default());
        }
        out.push('\n');
        for id in &live {
            let _ = write!(out, "  {id:<8}");
            for run in std::iter::once(&base).chain(&changed) {
                let verdict = run.report.verdict(id).map_or("-".into(), |v| v.to_string());
                let _ = write!(out, " {verdict:>17}");
            }
            out.push('\n');
        }
        if let Some(stated) = base
            .report
            .results
            .iter()
            .find(|r| !r.assumptions.is_empty())
        {
            let _ = writeln!(out, "  as stated: {}", stated.assumptions.join("; "));
        }
    }
    out
}

/// Writes each trace of `report` to `dir/<ID>.json` (a temporary file renamed into place).
fn save(report: &Report, dir: &Path) -> Result<(), UsageError> {
    let fail = |e: std::io::Error| UsageError(format!("cannot write {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    for r in &report.results {
        if let Some(trace) = &r.trace {
            let path = dir.join(format!("{}.json", r.id));
            let temporary = dir.join(format!(".{}.json.tmp", r.id));
            std::fs::write(&temporary, trace.to_json())
                .and_then(|()| std::fs::rename(&temporary, &path))
                .map_err(fail)?;
        }
    }
    Ok(())
}

/// `replay FILE`: 0 when every step is allowed and no safety property fails, 1 when a step is
/// refused or a property fails, 2 when the file is not a trace of a registered model.
fn replay(file: &Path) -> Result<i32, UsageError> {
    let shown = file.display();
    let text = std::fs::read_to_string(file)
        .map_err(|e| UsageError(format!("cannot read {shown}: {e}")))?;
    let saved: Trace = serde_json::from_str(&text)
        .map_err(|e| UsageError(format!("{shown} is not a gilcheck trace: {e}")))?;
    let entry = models::find(&saved.meta.model)?;
    let replay = entry.replay(&saved)?;
    print!("{}", replay.trace.to_text());
    match replay.problem {
        None => {
            println!(
                "all {} steps are allowed by the specification of {} / {}",
                saved.steps.len(),
                saved.meta.model,
                saved.meta.variant
            );
            Ok(0)
        }
        Some(problem) => {
            println!("=> {problem}");
            Ok(1)
        }
    }
}

/// `explain ID`: the property's page, computed now.
fn explain(id: &str, limits: &Options) -> Result<i32, UsageError> {
    let known = registry()
        .iter()
        .any(|e| e.properties().iter().any(|p| p.id == id));
    if !known {
        return Err(UsageError(format!(
            "unknown property ID '{id}' (gilcheck list shows them)"
        )));
    }
    let scope = Scope {
        deep: false,
        only: Some(id.to_string()),
    };
    let catalogue = prove_catalogue(&scope, limits)?;
    let (entry, property) = catalogue.properties()[0];
    let (text, _) = proofs::page::page(&catalogue, entry, property);
    print!("{text}");
    Ok(0)
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

/// For each thread and object count, with and without symmetry: the safety search alone (the
/// `S` properties: states/s and bytes per state) and the whole check (liveness included).
fn bench(
    entry: &ModelEntry,
    threads: &[usize],
    objects: &[usize],
    options: &Options,
) -> Result<String, UsageError> {
    let mut out = format!(
        "explicit checker, {} / {}, {} worker(s); search = the safety (S) properties alone, \
         all = every property (liveness on the whole graph)\n",
        entry.name, entry.variants[0].name, options.workers
    );
    let _ = writeln!(
        out,
        "{:>7} {:>7} {:>8} {:>10} {:>12} {:>9} {:>11} {:>11} {:>9}  limit",
        "threads",
        "objects",
        "symmetry",
        "states",
        "transitions",
        "search_s",
        "states/s",
        "bytes/state",
        "all_s"
    );
    let variant = entry.variant(None)?;
    let safety: Vec<String> = entry
        .properties()
        .iter()
        .filter(|p| kind_of(p.id) == Some('S'))
        .map(|p| p.id.to_string())
        .collect();
    for &n in threads {
        for &o in objects {
            for symmetry in [false, true] {
                if symmetry && !entry.symmetric {
                    continue;
                }
                let config = Config {
                    objects: o,
                    ..Config::threads(n)
                };
                let search = Options {
                    symmetry,
                    properties: safety.clone(),
                    ..options.clone()
                };
                let report = entry.check(variant, &config, &search)?;
                let all = entry.check(
                    variant,
                    &config,
                    &Options {
                        symmetry,
                        ..options.clone()
                    },
                )?;
                let _ = writeln!(
                    out,
                    "{:>7} {:>7} {:>8} {:>10} {:>12} {:>9.3} {:>11.0} {:>11.1} {:>9.3}  {}",
                    n,
                    o,
                    if symmetry { "on" } else { "off" },
                    report.states,
                    report.transitions,
                    report.seconds,
                    report.states_per_second(),
                    report.memory_bytes as f64 / report.states.max(1) as f64,
                    all.seconds,
                    report.limit.or(all.limit).unwrap_or_else(|| "-".into())
                );
            }
        }
    }
    Ok(out)
}

/// The GIL twin under loom and shuttle: executions, seconds, executions/s. A failing run (none
/// is expected of the faithful twin) is reported in its row.
fn bench_twins() -> String {
    use crate::exec::{check_loom, check_shuttle_pct, check_shuttle_random, TwinStats};
    use crate::models::gil::GilVariant;
    use crate::models::gil_twin::GilTwin;
    let twin = |threads| GilTwin::new(GilVariant::Cpython311, threads, 1, 1);
    let runs: Vec<(&str, Result<TwinStats, _>)> = vec![
        ("loom, 2 threads, exhaustive", check_loom(twin(2), None)),
        (
            "loom, 3 threads, no tick, exhaustive",
            check_loom(GilTwin::new(GilVariant::Cpython311, 3, 1, 0), None),
        ),
        (
            "loom, 3 threads, preemption bound 3",
            check_loom(twin(3), Some(3)),
        ),
        (
            "loom, 3 threads, preemption bound 4",
            check_loom(twin(3), Some(4)),
        ),
        (
            "shuttle random, 4 threads",
            check_shuttle_random(twin(4), 10_000),
        ),
        (
            "shuttle PCT depth 3, 4 threads",
            check_shuttle_pct(twin(4), 10_000, 3),
        ),
    ];
    let mut out = format!(
        "\nexecutable GIL twin (cpython-3.11, 1 iteration per thread, 1 clock tick unless the row \
         says none; every run replayed on the spec)\n{:<38} {:>11} {:>9} {:>12}\n",
        "backend", "executions", "seconds", "executions/s"
    );
    for (name, result) in runs {
        let _ = match result {
            Ok(stats) => writeln!(
                out,
                "{name:<38} {:>11} {:>9.2} {:>12.0}",
                stats.executions,
                stats.seconds,
                stats.executions as f64 / stats.seconds.max(1e-9)
            ),
            Err(failure) => writeln!(out, "{name:<38} FAILED: {}", failure.message),
        };
    }
    out
}
