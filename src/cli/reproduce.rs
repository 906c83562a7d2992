//! `reproduce ID --variant V` (or `reproduce --trace FILE`): the model's counterexample to
//! property ID forced on a real CPython under gdb, and control runs of the same program
//! without gdb.

use super::output::{emit, note};
use super::replay::read_trace;
use super::report::Reproduction;
use super::Tool;
use crate::config::Config;
use crate::error::Error;
use crate::explore::{replay_trace, Options, Verdict};
use crate::models::gil::{machine, GilVariant, Handoff};
use crate::reproduce::control::{control, Controls};
use crate::reproduce::force::{check_symbols, force, gdb, Outcome, DRIVER};
use crate::reproduce::record::Record;
use crate::reproduce::{plan, python_version};
use crate::trace::{Claim, Trace};
use crate::variant::Variants;
use std::fmt::Write;
use std::path::Path;

/// What the command was asked.
pub struct ReproduceArgs<'a> {
    /// Property ID (from the trace file when there is one).
    pub id: Option<&'a str>,
    /// The variant whose counterexample is forced (idem).
    pub variant: Option<&'a str>,
    /// A counterexample saved by `check --save-traces`, forced instead of the checker's.
    pub trace: Option<&'a Path>,
    /// Model threads (default: the scenario's).
    pub threads: Option<usize>,
    /// The interpreter.
    pub python: &'a Path,
    /// Control runs of each kind (unpinned, pinned to one CPU); 0 for none.
    pub control: usize,
    /// Rounds of a lasso's cycle to force.
    pub rounds: usize,
    /// Skip the forced run (control runs only).
    pub no_force: bool,
    /// Keep the forced run's files here (plan, program, driver, gdb's log, result).
    pub save: Option<&'a Path>,
}

/// 0 when the forced run reached the violation (or none was made), 1 when it did not, 2 when
/// the property, the variant or the machine (gdb, debug symbols) does not allow a run.
pub fn reproduce(tool: &Tool, args: &ReproduceArgs) -> Result<i32, Error> {
    let (id, variant, config, trace) = counterexample(tool, args)?;
    let id = id.as_str();
    let scenario = machine::scenario(id).expect("counterexample checked it");
    let threads = config.threads;
    let trace = &trace;
    let model = Handoff::new(
        GilVariant::from_name(variant).expect("a registered variant"),
        &config,
    );
    let replayed = replay_trace(&model, trace).map_err(|e| match args.trace {
        Some(file) => Error::bad_input(format!(
            "{} does not replay on gil/{variant}: {}",
            file.display(),
            e.reason
        )),
        None => Error::io(format!(
            "the checker's own trace does not replay: {}",
            e.reason
        )),
    })?;
    let rounds = if trace.cycle.is_some() {
        args.rounds
    } else {
        0
    };
    let plan = plan(
        &model,
        &replayed,
        trace.cycle,
        rounds,
        scenario.roles,
        scenario.oracle.clone(),
    )
    .map_err(|why| Error::bad_input(format!("cannot force this trace: {why}")))?;
    let control_timeout = match (args.control, scenario.control_timeout) {
        (0, _) => None,
        (_, Some(timeout)) => Some(timeout),
        (_, None) => {
            return Err(Error::bad_input(format!(
                "{id}'s program runs until it is killed: it has no control runs"
            )))
        }
    };
    if let Some(dir) = args.save {
        crate::files::check_target(dir)?;
    }
    let version = python_version(args.python)?;
    let forced = if args.no_force {
        None
    } else {
        let gdb = gdb()?;
        check_symbols(&gdb, args.python)?;
        note(&format!(
            "forcing {} blocks under gdb (a few seconds per block)...",
            plan.blocks.len()
        ));
        let (mut forced, output) = force(&gdb, args.python, scenario, &plan)?;
        if let Some(dir) = args.save {
            let files = [
                (
                    "plan.json",
                    serde_json::to_string_pretty(&plan).expect("serializes"),
                ),
                ("scenario.py", scenario.program.to_string()),
                ("driver.py", DRIVER.to_string()),
                ("gdb.log", output),
                (
                    "result.json",
                    serde_json::to_string_pretty(&forced).expect("serializes"),
                ),
            ];
            let files: Vec<(String, String)> =
                files.into_iter().map(|(n, t)| (n.to_string(), t)).collect();
            crate::files::replace_dir(dir, &files)?;
        }
        forced.log.clear();
        Some(forced)
    };
    let mut controls: Vec<Controls> = Vec::new();
    if let Some(timeout) = control_timeout {
        for pinned in [false, true] {
            note(&format!(
                "{} control runs{}...",
                args.control,
                if pinned { " pinned to one CPU" } else { "" }
            ));
            controls.push(control(
                args.python,
                scenario,
                timeout,
                args.control,
                pinned,
            )?);
        }
    }
    let record = Record {
        property: id.to_string(),
        variant: variant.to_string(),
        threads,
        trace_steps: trace.steps.len(),
        rounds,
        python: args.python.display().to_string(),
        version,
        forced,
        controls,
        command: command(&tool.program, args, id, variant, threads, rounds),
    };
    emit(&tool.reporter.reproduction(&Reproduction {
        record: &record,
        blocks: plan.blocks.len(),
        evidence: args.save,
    }))?;
    Ok(match record.forced.map(|f| f.outcome) {
        None | Some(Outcome::Reached) => 0,
        Some(_) => 1,
    })
}

/// The counterexample to force: the property, the variant, the bounds and the trace, read
/// from the trace file or computed now by the checker.
fn counterexample(
    tool: &Tool,
    args: &ReproduceArgs,
) -> Result<(String, &'static str, Config, Trace), Error> {
    let saved = match args.trace {
        None => None,
        Some(file) => {
            let trace = read_trace(file)?;
            match (&trace.property, trace.claim) {
                (Some(_), Claim::Violation) => Some(trace),
                _ => {
                    return Err(Error::bad_input(format!(
                        "{} is not a counterexample to a property",
                        file.display()
                    )))
                }
            }
        }
    };
    let id = match (args.id, &saved) {
        (Some(id), Some(t)) if t.property.as_deref() != Some(id) => {
            return Err(Error::bad_input(format!(
                "the trace is about {}, not {id}",
                t.property.as_deref().unwrap_or("-")
            )))
        }
        (_, Some(t)) => t.property.clone().expect("checked above"),
        (Some(id), None) => id.to_string(),
        (None, None) => return Err(Error::bad_input("give a property ID or --trace FILE")),
    };
    let owner = tool
        .models
        .iter()
        .find(|e| e.properties().iter().any(|p| p.id == id))
        .ok_or_else(|| {
            Error::bad_input(format!("unknown property ID '{id}' (`list` shows them)"))
        })?;
    let Some(scenario) = machine::scenario(&id).filter(|_| owner.name == "gil") else {
        return Err(Error::bad_input(format!(
            "reproduce has no program for {id}; it reproduces {}",
            machine::REPRODUCIBLE.join(", ")
        )));
    };
    if let Some(trace) = saved {
        if trace.meta.model != "gil" {
            return Err(Error::bad_input("the trace is not of the gil model"));
        }
        let variant = owner.variant(Some(&trace.meta.variant))?;
        let config = owner.validate(&trace.meta.config, &Options::default())?;
        return Ok((id, variant.name, config, trace));
    }
    let variant = owner.variant(Some(args.variant.ok_or_else(|| {
        Error::bad_input("--variant is needed: the variant whose counterexample to force")
    })?))?;
    let config = owner.validate(
        &owner.config(args.threads.unwrap_or(scenario.roles.len())),
        &Options::default(),
    )?;
    let report = owner.check(variant, &config, &Options::default())?;
    let result = report.result(&id).expect("the model states the property");
    match (&result.verdict, &result.trace) {
        (Verdict::Violated, Some(trace)) => Ok((id, variant.name, config, trace.clone())),
        (verdict, _) => Err(Error::bad_input(format!(
            "{id} {verdict} on gil/{} at {} threads: no counterexample to reproduce",
            variant.name, config.threads
        ))),
    }
}

/// The command line that makes the same record.
fn command(
    program: &str,
    args: &ReproduceArgs,
    id: &str,
    variant: &str,
    threads: usize,
    rounds: usize,
) -> String {
    let mut line = match args.trace {
        Some(file) => format!("{program} reproduce --trace {}", file.display()),
        None => format!("{program} reproduce {id} --variant {variant} --threads {threads}"),
    };
    let _ = write!(line, " --python {}", args.python.display());
    if rounds > 0 {
        let _ = write!(line, " --rounds {rounds}");
    }
    if args.control > 0 {
        let _ = write!(line, " --control {}", args.control);
    }
    if args.no_force {
        line.push_str(" --no-force");
    }
    line
}
