//! `reproduce ID --variant V`: the model's counterexample to property ID forced on a real
//! CPython under gdb, and control runs of the same program without gdb.

use super::output::{emit, note};
use super::report::Reproduction;
use super::Tool;
use crate::error::Error;
use crate::explore::{replay_trace, Options, Verdict};
use crate::models::gil::{machine, GilVariant, Handoff};
use crate::reproduce::control::{control, Controls};
use crate::reproduce::force::{check_symbols, force, gdb, Outcome, DRIVER};
use crate::reproduce::record::Record;
use crate::reproduce::{plan, python_version};
use crate::variant::Variants;
use std::fmt::Write;
use std::path::Path;

/// What the command was asked.
pub struct ReproduceArgs<'a> {
    /// Property ID.
    pub id: &'a str,
    /// The variant whose counterexample is forced.
    pub variant: &'a str,
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
    let id = args.id;
    let owner = tool
        .models
        .iter()
        .find(|e| e.properties().iter().any(|p| p.id == id))
        .ok_or_else(|| {
            Error::bad_input(format!("unknown property ID '{id}' (`list` shows them)"))
        })?;
    let scenario = match (owner.name, machine::scenario(id)) {
        ("gil", Some(scenario)) => scenario,
        _ => {
            return Err(Error::bad_input(format!(
                "reproduce has no program for {id}; it reproduces {}",
                machine::REPRODUCIBLE.join(", ")
            )))
        }
    };
    let variant = owner.variant(Some(args.variant))?;
    let config = owner.validate(
        &owner.config(args.threads.unwrap_or(scenario.roles.len())),
        &Options::default(),
    )?;
    let threads = config.threads;
    let report = owner.check(variant, &config, &Options::default())?;
    let result = report.result(id).expect("the model states the property");
    let trace = match (&result.verdict, &result.trace) {
        (Verdict::Violated, Some(trace)) => trace,
        (verdict, _) => {
            return Err(Error::bad_input(format!(
                "{id} {verdict} on gil/{} at {threads} threads: no counterexample to reproduce",
                variant.name
            )))
        }
    };
    let model = Handoff::new(
        GilVariant::from_name(variant.name).expect("a registered variant"),
        &config,
    );
    let replayed = replay_trace(&model, trace).map_err(|e| {
        Error::io(format!(
            "the checker's own trace does not replay: {}",
            e.reason
        ))
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
        variant: variant.name.to_string(),
        threads,
        trace_steps: trace.steps.len(),
        rounds,
        python: args.python.display().to_string(),
        version,
        forced,
        controls,
        command: command(&tool.program, args, threads, rounds),
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

/// The command line that makes the same record.
fn command(program: &str, args: &ReproduceArgs, threads: usize, rounds: usize) -> String {
    let mut line = format!(
        "{program} reproduce {} --variant {} --threads {threads} --python {}",
        args.id,
        args.variant,
        args.python.display()
    );
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
