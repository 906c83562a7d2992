//! Control runs: the scenario's program without gdb, many times, to measure how often the
//! violation happens on its own. A run still alive after the scenario's timeout counts as the
//! failure (a hang) and is killed.

use super::{Scenario, WorkDir};
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a batch of control runs ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Controls {
    /// Runs made.
    pub runs: usize,
    /// Pinned to one CPU (`taskset -c 0`).
    pub pinned: bool,
    /// Still alive after `timeout` seconds (killed): the failure.
    pub failures: usize,
    /// Exited with status 0.
    pub exited: usize,
    /// Exited otherwise (a crash, an error).
    pub other: usize,
    /// Seconds after which a run counted as a failure.
    pub timeout: f64,
}

impl Controls {
    /// "0 in 300 runs" (and "pinned to one CPU").
    pub fn text(&self) -> String {
        format!(
            "{} in {} runs{}{}",
            self.failures,
            self.runs,
            if self.pinned {
                " pinned to one CPU"
            } else {
                ""
            },
            if self.other > 0 {
                format!(" ({} exited with an error)", self.other)
            } else {
                String::new()
            }
        )
    }
}

/// Runs `scenario` on `python` `runs` times, pinned to CPU 0 when `pinned`; `timeout` is
/// the scenario's (`Scenario::control_timeout`).
pub fn control(
    python: &Path,
    scenario: &Scenario,
    timeout: f64,
    runs: usize,
    pinned: bool,
) -> Result<Controls, Error> {
    let work = WorkDir::new()?;
    let program = work.write("scenario.py", scenario.program)?;
    let mut out = Controls {
        runs,
        pinned,
        failures: 0,
        exited: 0,
        other: 0,
        timeout,
    };
    let timeout = Duration::from_secs_f64(timeout);
    for _ in 0..runs {
        let mut command = if pinned {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]).arg(python);
            c
        } else {
            Command::new(python)
        };
        let mut child = command
            .arg(&program)
            .args(scenario.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error::bad_input(format!("cannot run {}: {e}", python.display())))?;
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().map_err(|e| Error::io(e.to_string()))? {
                if status.success() {
                    out.exited += 1;
                } else {
                    out.other += 1;
                }
                break;
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                out.failures += 1;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    Ok(out)
}
