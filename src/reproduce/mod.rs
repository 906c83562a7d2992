//! `gilcheck reproduce`: a model's counterexample forced on a real CPython. The trace becomes a
//! plan (`plan`) of thread blocks, each ending at a named point of the interpreter's code with
//! the GIL fields the model has there; gdb runs the plan (`force`, with `driver.py`) using only
//! breakpoints, scheduler locking and reads of memory. Control runs (`control`) measure how
//! often the same program fails on its own. What was measured here is checked in (`record`)
//! and shown on the property's page.

pub mod control;
pub mod force;
pub mod plan;
pub mod record;

pub use plan::{plan, Block, Fields, OnMachine, Oracle, Plan, Point, Stop};

use crate::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Python program a property is reproduced with.
#[derive(Debug)]
pub struct Scenario {
    /// Its text.
    pub program: &'static str,
    /// Its arguments.
    pub args: &'static [&'static str],
    /// Role of each model thread in it (`main`, `spawned-K`).
    pub roles: &'static [&'static str],
    /// What shows the violation once the forced part is over.
    pub oracle: Oracle,
    /// Seconds after which a control run counts as the failure (a hang); `None` for a program
    /// that runs until it is killed, which has no control runs.
    pub control_timeout: Option<f64>,
}

/// The interpreter as it describes itself.
pub fn python_version(python: &Path) -> Result<String, Error> {
    let out = Command::new(python)
        .args(["-c", "import sys; print(sys.version.replace(chr(10), ' '))"])
        .output()
        .map_err(|e| Error::bad_input(format!("cannot run {}: {e}", python.display())))?;
    if !out.status.success() {
        return Err(Error::bad_input(format!(
            "{} -c 'import sys' failed: is it a Python interpreter?",
            python.display()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A fresh directory of our own for one run's files; `Drop` removes it.
pub struct WorkDir(pub PathBuf);

impl WorkDir {
    /// Creates it under the system's temporary directory.
    pub fn new() -> Result<WorkDir, Error> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("gilcheck-reproduce-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir)
            .map_err(|e| Error::io(format!("cannot create {}: {e}", dir.display())))?;
        Ok(WorkDir(dir))
    }

    /// Writes `name` inside it.
    pub fn write(&self, name: &str, text: &str) -> Result<PathBuf, Error> {
        let path = self.0.join(name);
        std::fs::write(&path, text)
            .map_err(|e| Error::io(format!("cannot write {}: {e}", path.display())))?;
        Ok(path)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
