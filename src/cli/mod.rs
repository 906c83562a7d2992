//! The command line: `list | check | prove | explain | replay | reproduce | verdicts | bench`, over the
//! built-in models and, for a crate that depends on gilcheck, its own (`main_with`).
//!
//! Exit codes: 0 every property decided and none violated, 1 some property violated, 2 bad
//! input or an I/O error, 3 some verdict inconclusive (a limit was reached) and none violated.
//! `prove` and `explain` report violations of bad variants as findings: 0 when every verdict is
//! decided, 3 when some is not. `replay` exits 0 when the trace shows what it claims, 1 when it
//! does not.

mod args;
mod bench;
mod check;
mod json;
mod output;
mod prove;
mod replay;
mod report;
mod reproduce;
mod text;

use crate::error::Error;
use crate::models::{self, claims};
use crate::proofs::shard::Share;
use crate::proofs::Scope;
use crate::registry::ModelEntry;
use args::{Cli, Command};
use clap::{CommandFactory, FromArgMatches};
use output::{emit, fail, note};
use report::Reporter;
use std::path::Path;

/// What every command works with: the models it knows, the program's name (for the commands
/// it prints), and the output format.
pub struct Tool {
    models: Vec<ModelEntry>,
    program: String,
    reporter: Box<dyn Reporter>,
}

impl Tool {
    /// The model called `name`.
    fn find(&self, name: &str) -> Result<ModelEntry, Error> {
        models::find_in(&self.models, name)
    }
}

/// Runs the command line over the built-in models; returns the exit code.
pub fn main() -> i32 {
    main_with(Vec::new())
}

/// Runs the command line over the built-in models and `extra` (a crate's own models, each
/// built with `ModelEntry::of`); returns the exit code. The program's name in the commands
/// the catalogue prints is the name it was run by.
pub fn main_with(extra: Vec<ModelEntry>) -> i32 {
    let mut models = models::registry();
    models.extend(extra);
    let mut argv = std::env::args();
    let program = argv
        .next()
        .as_deref()
        .and_then(|path| Path::new(path).file_stem()?.to_str().map(String::from))
        .unwrap_or_else(|| "gilcheck".into());
    let argv = args::settings_as_set(std::env::args().collect(), &models);
    let command =
        Cli::command().mut_subcommand("check", |check| check.after_help(settings_help(&models)));
    let cli = match command
        .try_get_matches_from(argv)
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
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
    let reporter: Box<dyn Reporter> = match cli.json {
        true => Box::new(json::Json),
        false => Box::new(text::Text),
    };
    let tool = Tool {
        models,
        program,
        reporter,
    };
    match run(&tool, cli.command) {
        Ok(code) => code,
        Err(error) => fail(&error),
    }
}

/// The models' settings, for `check --help`.
fn settings_help(models: &[ModelEntry]) -> String {
    let mut lines = vec!["Model settings (`list` says which model takes which):".to_string()];
    let mut seen = Vec::new();
    for setting in models.iter().flat_map(|m| m.settings) {
        if !seen.contains(&setting.name) {
            seen.push(setting.name);
            lines.push(format!("  --{}: {}", setting.name, setting.summary));
        }
    }
    lines.join("\n")
}

fn run(tool: &Tool, command: Command) -> Result<i32, Error> {
    match command {
        Command::List => {
            emit(&tool.reporter.models(&tool.models))?;
            Ok(0)
        }
        Command::Check {
            model,
            variant,
            threads,
            settings,
            search,
            save_traces,
        } => check::check(
            tool,
            check::CheckArgs {
                model: &model,
                variant: variant.as_deref(),
                threads,
                settings: &settings.set,
                options: search.options(),
                save_traces: save_traces.as_deref(),
            },
        ),
        Command::Prove {
            deep,
            only,
            out,
            shard,
            merge,
            limits,
        } => {
            let part = match (shard, merge.is_empty()) {
                (Some(share), _) => prove::Part::Shard(Share::parse(&share)?),
                (None, false) => prove::Part::Merge(merge),
                (None, true) => prove::Part::Whole,
            };
            let scope = Scope { deep, only };
            prove::prove(tool, &scope, &limits.options(), out.as_deref(), part)
        }
        Command::Explain { id, limits } => prove::explain(tool, &id, &limits.options()),
        Command::Replay { file } => replay::replay(tool, &file),
        Command::Reproduce {
            id,
            variant,
            trace,
            threads,
            python,
            control,
            rounds,
            no_force,
            save,
        } => reproduce::reproduce(
            tool,
            &reproduce::ReproduceArgs {
                id: id.as_deref(),
                variant: variant.as_deref(),
                trace: trace.as_deref(),
                threads,
                python: &python,
                control,
                rounds,
                no_force,
                save: save.as_deref(),
            },
        ),
        Command::Verdicts { write } => verdicts(tool, write.as_deref()),
        Command::Bench {
            model,
            threads,
            settings,
            workers,
            twins,
            limits,
        } => {
            let mut options = limits.options();
            options.workers = workers.unwrap_or(options.workers);
            bench::bench(tool, &model, &threads, &settings.set, &options, twins)
        }
    }
}

/// `verdicts`: the seed's claims, judged now; printed, or written into the table of `write`.
fn verdicts(tool: &Tool, write: Option<&Path>) -> Result<i32, Error> {
    let claims = claims::claims();
    match write {
        None => emit(&tool.reporter.claims(&claims))?,
        Some(path) => {
            let shown = path.display();
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::bad_input(format!("cannot read {shown}: {e}")))?;
            let updated = claims::splice(&text, &claims::table(&claims)).ok_or_else(|| {
                Error::bad_input(format!(
                    "{shown} has no verdict markers ({} ... {})",
                    claims::BEGIN,
                    claims::END
                ))
            })?;
            crate::files::replace_file(path, &updated)?;
        }
    }
    let undecided: Vec<&str> = claims
        .iter()
        .flat_map(|c| &c.evidence)
        .filter(|f| f.verdict == crate::explore::Verdict::Inconclusive)
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
