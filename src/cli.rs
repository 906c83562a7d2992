//! `gilcheck list | check | prove | explain | replay | verdicts | bench`.
//!
//! Exit codes: 0 every property decided and none violated, 1 some property violated, 2 bad
//! input or an I/O error, 3 some verdict inconclusive (a limit was reached) and none violated.
//! `prove` and `explain` report violations of bad variants as findings: 0 when every verdict is
//! decided, 3 when some is not. `replay` exits 0 when the trace shows what it claims, 1 when it
//! does not.

use crate::error::{Error, ErrorKind};
use crate::explore::{Basis, Deadline, Options, Report, Verdict, MAX_WORKERS};
use crate::files;
use crate::model::{kind_of, Config, Fairness};
use crate::models::{self, registry};
use crate::proofs::{self, Catalogue, Run, Scope};
use crate::registry::{ModelEntry, PropertyInfo};
use crate::trace::Trace;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::io::Write as _;
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
        /// Threads computing successors, 1 to 256 (default: every core).
        #[arg(long, value_parser = parse_workers)]
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
    /// Stop after this many seconds in all (verdicts left undecided become inconclusive).
    #[arg(long, default_value_t = 600.0, value_parser = parse_seconds)]
    max_seconds: f64,
    /// Stop a search once its visited set holds this many MiB (its verdicts become
    /// inconclusive); default: half the memory available at the start.
    #[arg(long)]
    max_memory: Option<usize>,
}

/// A time budget: a finite number of seconds, zero or more.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds),
        _ => Err(format!("'{text}' is not a number of seconds (0 or more)")),
    }
}

/// A number of worker threads, 1 to `MAX_WORKERS`.
fn parse_workers(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_WORKERS).contains(&n) => Ok(n),
        _ => Err(format!("'{text}' workers: give 1 to {MAX_WORKERS}")),
    }
}

impl LimitArgs {
    /// The options of a command that starts now: its deadline is set here, once.
    fn options(&self) -> Options {
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
    /// Threads computing successors, 1 to 256 (default: every core; verdicts and traces do
    /// not depend on it).
    #[arg(long, value_parser = parse_workers)]
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
            workers: self.workers.unwrap_or(limits.workers),
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
            note(first.lines().next().unwrap_or("bad arguments"));
            return 2;
        }
        Err(e) => {
            return match emit(&e.to_string()) {
                Ok(()) => 0,
                Err(error) => fail(&error),
            }
        }
    };
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => fail(&error),
    }
}

/// Reports `error` on stderr (one line) and returns its exit code.
fn fail(error: &Error) -> i32 {
    match error.kind {
        _ if error.message.is_empty() => {}
        ErrorKind::Limit => note(&error.message),
        ErrorKind::BadInput | ErrorKind::Io => note(&format!("error: {}", error.message)),
    }
    error.exit_code()
}

/// Writes `text` to standard output. A reader that closed the pipe ends the command quietly
/// (exit 2); any other failure is an I/O error.
fn emit(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Error::io(""),
            _ => Error::io(format!("cannot write standard output: {e}")),
        })
}

/// One line on stderr; a failure to write it is ignored (there is nowhere left to say so).
fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn run(command: Command) -> Result<i32, Error> {
    match command {
        Command::List => {
            emit(&list())?;
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
            let options = search.options();
            entry.validate(&config, &options)?;
            if let Some(dir) = &save_traces {
                files::check_target(dir)?;
            }
            let report = entry.check(variant, &config, &options)?;
            emit(&if json {
                serde_json::to_string_pretty(&report).expect("reports serialise") + "\n"
            } else {
                describe_report(&entry, variant.name, &config, &report)
            })?;
            if let Some(dir) = save_traces {
                save(&report, &dir)?;
            }
            exit_code(&report)
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
            let claims = crate::verdicts::claims();
            let table = crate::verdicts::table(&claims);
            match write {
                None => emit(&format!("{table}\n"))?,
                Some(path) => write_table(&path, &table)?,
            }
            let undecided: Vec<&str> = claims
                .iter()
                .flat_map(|c| &c.evidence)
                .filter(|f| f.verdict == Verdict::Inconclusive)
                .map(|f| f.cite.as_str())
                .collect();
            match undecided.is_empty() {
                true => Ok(0),
                false => Err(Error::limit(format!(
                    "inconclusive evidence: {}",
                    undecided.join("; ")
                ))),
            }
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
            options.workers = workers.unwrap_or(options.workers);
            let objects = if objects.is_empty() {
                vec![entry.default_objects]
            } else {
                objects
            };
            let (table, limited) = bench(&entry, &threads, &objects, &options)?;
            emit(&table)?;
            if twins {
                emit(&bench_twins())?;
            }
            match limited {
                true => Err(Error::limit(
                    "some rows reached a limit (their last column): their numbers are partial",
                )),
                false => Ok(0),
            }
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

/// What the search covered, and, on a second line, the graph the liveness and counting
/// verdicts rest on.
fn header(entry: &ModelEntry, variant: &str, config: &Config, report: &Report) -> String {
    let search_limit = (!report.exhaustive)
        .then_some(report.limit.as_deref())
        .flatten();
    let mut out = format!(
        "{} / {} with {}{}: {} states, {} transitions, depth {}, {:.2} s, {:.0} states/s ({})",
        entry.name,
        variant,
        config.bounds(),
        if report.symmetry { ", symmetry" } else { "" },
        report.states,
        report.transitions,
        report.depth,
        report.seconds,
        report.states_per_second(),
        completeness(search_limit)
    );
    if let Some(graph) = &report.graph {
        let _ = write!(
            out,
            "\n  liveness and counting on the whole graph (no symmetry): {} states, {} \
             transitions ({})",
            graph.states,
            graph.transitions,
            completeness(graph.limit.as_deref())
        );
    }
    out
}

/// `exhaustive`, or `INCOMPLETE: <limit>`.
fn completeness(limit: Option<&str>) -> String {
    match limit {
        None => "exhaustive".into(),
        Some(limit) => format!("INCOMPLETE: {limit}"),
    }
}

fn describe_report(entry: &ModelEntry, variant: &str, config: &Config, report: &Report) -> String {
    let mut out = header(entry, variant, config, report);
    out.push('\n');
    for r in &report.results {
        let mut detail = r.numbers.map(|n| format!(" ({n})")).unwrap_or_default();
        if let Some(limit) = &r.limit {
            let _ = write!(detail, " [{limit}]");
        }
        if let Some(never) = &r.never {
            let _ = write!(detail, " [never occurs: {never}]");
        }
        // Next to a limit, a decided verdict says what it rests on.
        if report.limit.is_some() && r.verdict != Verdict::Inconclusive {
            let _ = write!(
                detail,
                " [{}]",
                match (r.verdict, r.basis) {
                    (Verdict::Violated, _) if r.trace.is_some() => "counterexample below",
                    (_, Basis::Search) => "rests on the search above",
                    (_, Basis::Graph) => "rests on the complete graph",
                }
            );
        }
        let _ = writeln!(
            out,
            "  {:<8} {:<12} {}{detail}",
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

fn prove(scope: &Scope, limits: &Options, json: bool, out: Option<&Path>) -> Result<i32, Error> {
    // The committed catalogue is the default run; a narrowed or deeper run writes only where
    // it is told to. A target gilcheck may not write is refused before any search.
    let default_out = (scope.only.is_none() && !scope.deep).then(|| Path::new("proofs"));
    let out = out.or(default_out);
    if let Some(dir) = out {
        files::check_target(dir)?;
    }
    let catalogue = prove_catalogue(scope, limits)?;
    emit(&if json {
        serde_json::to_string_pretty(&catalogue.runs).expect("runs serialise") + "\n"
    } else {
        prove_table(&catalogue)
    })?;
    match out {
        Some(dir) => {
            proofs::write(&catalogue, dir)?;
            note(&format!("wrote the catalogue to {}", dir.display()));
        }
        None => note("(proofs/ not rewritten for --only or --deep; give --out DIR)"),
    }
    incomplete(&catalogue)
}

/// 0 when every verdict of the catalogue is decided, else a limit error naming the runs cut
/// short.
fn incomplete(catalogue: &Catalogue) -> Result<i32, Error> {
    let incomplete = catalogue.incomplete();
    if incomplete.is_empty() {
        return Ok(0);
    }
    Err(Error::limit(format!(
        "searches cut short (inconclusive): {}",
        incomplete.join("; ")
    )))
}

/// Plans and runs the searches of `scope`, with a progress bar on stderr (when it is a
/// terminal).
fn prove_catalogue(scope: &Scope, limits: &Options) -> Result<Catalogue, Error> {
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
        "{:<8} {:<26} {:<8} {:<12} {:>9} {:>7}  bounds",
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
                let (bounds, states) = run.rests_on(&r.id);
                let _ = writeln!(
                    table,
                    "{:<8} {:<26} {:<8} {:<12} {:>9} {:>7.2}  {bounds}",
                    entry.name,
                    run.variant,
                    r.id,
                    r.verdict.to_string(),
                    states,
                    run.report.seconds,
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

/// `replay FILE`: 0 when the trace replays and shows what it claims, 1 when a step or the
/// claim fails, 2 when the file is not a trace of a registered model.
fn replay(file: &Path) -> Result<i32, Error> {
    let shown = file.display();
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::bad_input(format!("cannot read {shown}: {e}")))?;
    let saved: Trace = serde_json::from_str(&text)
        .map_err(|e| Error::bad_input(format!("{shown} is not a gilcheck trace: {e}")))?;
    let entry = models::find(&saved.meta.model)?;
    let replay = entry.replay(&saved)?;
    let (line, code) = match &replay.outcome {
        Ok(what) => (format!("confirmed: {what}"), 0),
        Err(why) => (format!("NOT confirmed: {why}"), 1),
    };
    emit(&format!("{}{line}\n", replay.trace.to_text()))?;
    Ok(code)
}

/// `explain ID`: the property's page, computed now.
fn explain(id: &str, limits: &Options) -> Result<i32, Error> {
    let known = registry()
        .iter()
        .any(|e| e.properties().iter().any(|p| p.id == id));
    if !known {
        return Err(Error::bad_input(format!(
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
    emit(&text)?;
    incomplete(&catalogue)
}

/// Replaces the verdict table in `path` (through a temporary file: a failure leaves the file
/// as it was).
fn write_table(path: &Path, table: &str) -> Result<(), Error> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::bad_input(format!("cannot read {shown}: {e}")))?;
    let updated = crate::verdicts::splice(&text, table).ok_or_else(|| {
        Error::bad_input(format!(
            "{shown} has no verdict markers ({} ... {})",
            crate::verdicts::BEGIN,
            crate::verdicts::END
        ))
    })?;
    files::replace_file(path, &updated)
}

/// For each thread and object count, with and without symmetry: the safety search alone (the
/// `S` properties: states/s and bytes per state) and the whole check (liveness included); and
/// whether some row reached a limit.
fn bench(
    entry: &ModelEntry,
    threads: &[usize],
    objects: &[usize],
    options: &Options,
) -> Result<(String, bool), Error> {
    let mut limited = false;
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
                    report
                        .limit
                        .as_ref()
                        .or(all.limit.as_ref())
                        .map_or("-", String::as_str)
                );
                limited |= report.limit.is_some() || all.limit.is_some();
            }
        }
    }
    Ok((out, limited))
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
