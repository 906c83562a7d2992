//! Running a plan under gdb: the checks that must pass first (gdb installed, the interpreter's
//! debug symbols present), the run, and what the driver found.

use super::{Plan, Scenario, WorkDir};
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The gdb script that runs a plan.
pub const DRIVER: &str = include_str!("driver.py");

/// Seconds a whole forced run may take before it is stopped.
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// Where a forced run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every block was forced and the oracle saw the violation.
    Reached,
    /// Every block was forced, and the oracle did not see the violation (the program went on).
    NotReached,
    /// The real run left the trace: a thread never reached its point with the model's fields.
    Diverged,
    /// Every block was forced, and the program was stuck somewhere the oracle does not name.
    Other,
}

impl Outcome {
    /// How the outcome reads in a sentence.
    pub fn text(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::NotReached => "not reached",
            Outcome::Diverged => "diverged",
            Outcome::Other => "other",
        }
    }
}

/// One block as the driver saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The trace's steps of the block (none: bringing a thread to where a lasso starts).
    pub steps: Vec<usize>,
    /// For a lasso, the round of the cycle; 0 otherwise.
    #[serde(default)]
    pub round: usize,
    /// The model thread.
    pub thread: usize,
    /// Where it stopped (function, call site from the line table, or the blocked stack).
    pub r#where: String,
    /// The fields read from memory there.
    pub fields: BTreeMap<String, Option<i64>>,
    /// They equal the model's (always true but for the first, free, block).
    pub matches: bool,
}

/// A function inlined into a caller without a name (LTO), found from the line table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    /// The inlined function.
    pub function: String,
    /// The functions it was looked for in.
    pub callers: Vec<String>,
    /// Where the breakpoints went.
    pub addresses: Vec<String>,
}

/// What the driver wrote.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forced {
    /// Where it ended.
    pub outcome: Outcome,
    /// One line: the oracle's evidence, or where the run left the trace.
    pub detail: String,
    /// Each block.
    pub checkpoints: Vec<Checkpoint>,
    /// Points found by address, where the optimiser left no name in the caller.
    #[serde(default)]
    pub resolved: Vec<Resolved>,
    /// At the end, each model thread's stack (innermost first), when the process was alive.
    #[serde(default)]
    pub backtraces: BTreeMap<String, Vec<String>>,
    /// At the end, each task's state and CPU time, sampled twice a second apart.
    #[serde(default)]
    pub proc: Vec<String>,
    /// At the end, the GIL's fields as read from memory (raw: addresses, flags).
    #[serde(default)]
    pub fields_at_end: BTreeMap<String, Option<i64>>,
    /// The driver's log.
    #[serde(default)]
    pub log: Vec<String>,
}

/// gdb's path, or the error that says how to install it.
pub fn gdb() -> Result<PathBuf, Error> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("gdb"))
            .find(|p| p.is_file())
    });
    found.ok_or_else(|| {
        Error::bad_input("gdb is not installed (apt-get install gdb); reproduce runs under it")
    })
}

/// The file that holds the interpreter's code: its libpython when it links one, else itself.
fn code_file(python: &Path) -> PathBuf {
    let linked = Command::new("ldd").arg(python).output().ok();
    linked
        .and_then(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .find(|l| l.contains("libpython"))
                .and_then(|l| l.split("=>").nth(1))
                .and_then(|rest| rest.split_whitespace().next())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| python.to_path_buf())
}

/// Checks that gdb sees `take_gil` in the interpreter's debug information.
pub fn check_symbols(gdb: &Path, python: &Path) -> Result<(), Error> {
    let file = code_file(python);
    let out = Command::new(gdb)
        .args(["-nx", "-batch", "-ex", "info scope take_gil"])
        .arg(&file)
        .output()
        .map_err(|e| Error::io(format!("cannot run gdb: {e}")))?;
    if String::from_utf8_lossy(&out.stdout).starts_with("Scope for take_gil") {
        Ok(())
    } else {
        Err(Error::bad_input(format!(
            "no debug symbols for take_gil in {} (for Debian's python3.11: apt-get install \
             python3.11-dbg)",
            file.display()
        )))
    }
}

/// Runs `plan` on `python` with `scenario`'s program under gdb; returns what the driver found
/// and gdb's whole output.
pub fn force(
    gdb: &Path,
    python: &Path,
    scenario: &Scenario,
    plan: &Plan,
) -> Result<(Forced, String), Error> {
    let work = WorkDir::new()?;
    let program = work.write("scenario.py", scenario.program)?;
    let driver = work.write("driver.py", DRIVER)?;
    let plan_file = work.write(
        "plan.json",
        &serde_json::to_string_pretty(plan).expect("a plan serializes"),
    )?;
    let result = work.0.join("result.json");
    let log = work.0.join("gdb.log");
    let log_file =
        std::fs::File::create(&log).map_err(|e| Error::io(format!("cannot write log: {e}")))?;
    let mut child = Command::new(gdb)
        .args([
            "-nx",
            "-q",
            "-batch",
            "-iex",
            "set auto-load python-scripts off",
        ])
        .arg("-x")
        .arg(&driver)
        .arg("--args")
        .arg(python)
        .arg(&program)
        .args(scenario.args)
        .env("GILCHECK_PLAN", &plan_file)
        .env("GILCHECK_RESULT", &result)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().map_err(|e| Error::io(e.to_string()))?)
        .stderr(log_file)
        .spawn()
        .map_err(|e| Error::io(format!("cannot run gdb: {e}")))?;
    let started = Instant::now();
    while child
        .try_wait()
        .map_err(|e| Error::io(e.to_string()))?
        .is_none()
    {
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::limit(format!(
                "gdb did not finish within {} s",
                RUN_LIMIT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let text = std::fs::read_to_string(&result).map_err(|_| {
        let last = output.lines().last().unwrap_or("no output");
        Error::io(format!("gdb wrote no result (its last line: {last})"))
    })?;
    let forced = serde_json::from_str(&text)
        .map_err(|e| Error::io(format!("the driver's result does not parse: {e}")))?;
    Ok((forced, output))
}
