//! What the litmus programs of `bench/cpython/` measured on real interpreters
//! (`bench/cpython/litmus.json`, written by `bench/cpython/run.sh`): raw samples per litmus and
//! interpreter, summarised here as median and range. The claims table shows the headline
//! litmus of each claim next to the model's verdict, and the full table follows it.
//!
//! A model verdict says what can happen under every schedule; a measurement says what did
//! happen on this 2-core machine in a few runs. The two agree when the measurement shows
//! something the model allows; a model violation never seen in the runs is not a
//! contradiction (the window may be too narrow), and is said so in the README.

use serde::Deserialize;
use std::fmt::Write;

/// The checked-in measurements.
pub const DATA: &str = include_str!("../bench/cpython/litmus.json");
/// Where they are.
pub const DATA_PATH: &str = "bench/cpython/litmus.json";

/// The whole file.
#[derive(Debug, Deserialize)]
pub struct Litmus {
    /// The command that wrote it.
    pub command: String,
    /// The machine.
    pub machine: Machine,
    /// The interpreters measured.
    pub interpreters: Vec<Interpreter>,
    /// Each litmus with its results.
    pub litmus: Vec<Test>,
}

/// Where the runs were made.
#[derive(Debug, Deserialize)]
pub struct Machine {
    /// Cores.
    pub cores: usize,
    /// The CPU model.
    pub cpu: String,
    /// When.
    pub date: String,
}

/// One interpreter.
#[derive(Debug, Deserialize)]
pub struct Interpreter {
    /// `cpython-3.11.2-debian`, `pypy-7.3.11`, ...
    pub id: String,
    /// CPython, PyPy, Jython.
    pub implementation: String,
    /// The Python version it implements.
    pub version: String,
}

/// One litmus program's metric.
#[derive(Debug, Deserialize)]
pub struct Test {
    /// `counter-plain-4t`, ...
    pub id: String,
    /// The claim it bears on.
    pub claim: String,
    /// What it does, with sizes.
    pub what: String,
    /// What is measured.
    pub metric: String,
    /// Its unit.
    pub unit: String,
    /// One per interpreter.
    pub results: Vec<Outcome>,
}

/// The samples of one interpreter, or why there are none.
#[derive(Debug, Deserialize)]
pub struct Outcome {
    /// The interpreter's id.
    pub interpreter: String,
    /// Raw per-run values.
    #[serde(default)]
    pub samples: Vec<f64>,
    /// Why it was not run there.
    #[serde(default)]
    pub skipped: Option<String>,
}

impl Outcome {
    /// Median, smallest and largest sample.
    pub fn summary(&self) -> Option<(f64, f64, f64)> {
        let mut s = self.samples.clone();
        if s.is_empty() {
            return None;
        }
        s.sort_by(f64::total_cmp);
        let n = s.len();
        let median = if n % 2 == 1 {
            s[n / 2]
        } else {
            (s[n / 2 - 1] + s[n / 2]) / 2.0
        };
        Some((median, s[0], s[n - 1]))
    }
}

/// The measurements.
pub fn litmus() -> Litmus {
    serde_json::from_str(DATA).expect("bench/cpython/litmus.json parses (tests/verdicts.rs)")
}

impl Litmus {
    /// An interpreter's short name: `CPython 3.11.2 (Debian)`, `PyPy 7.3.11`.
    fn name(&self, id: &str) -> String {
        let Some(i) = self.interpreters.iter().find(|i| i.id == id) else {
            return id.to_string();
        };
        let release = id.split('-').nth(1).unwrap_or(&i.version);
        match id.rsplit('-').next() {
            Some("debian") => format!("{} {release} Debian", i.implementation),
            _ => format!("{} {release}", i.implementation),
        }
    }

    /// An interpreter's name in a table cell: the CPython release (`3.11.2 Debian`), `PyPy`,
    /// `Jython`.
    fn short_name(&self, id: &str) -> String {
        let name = self.name(id);
        match name.strip_prefix("CPython ") {
            Some(release) => release.to_string(),
            None => name.split(' ').next().unwrap_or(id).to_string(),
        }
    }

    /// The cell of a claim in the claims table: each of `ids` with its median per
    /// interpreter.
    pub fn cell(&self, ids: &[&str]) -> String {
        let mut parts = Vec::new();
        for test in self.litmus.iter().filter(|t| ids.contains(&t.id.as_str())) {
            let values: Vec<String> = test
                .results
                .iter()
                .filter_map(|r| {
                    let (median, _, _) = r.summary()?;
                    Some(format!(
                        "{} {}",
                        self.short_name(&r.interpreter),
                        number(median)
                    ))
                })
                .collect();
            parts.push(format!(
                "`{}` ({}): {}",
                test.id,
                test.unit,
                values.join(", ")
            ));
        }
        if parts.is_empty() {
            "no observable consequence measured".into()
        } else {
            parts.join("; ")
        }
    }

    /// The full table: every litmus, median and range per interpreter.
    pub fn table(&self) -> String {
        let mut out = format!(
            "Measured by the litmus programs of [`bench/cpython/`](bench/cpython/) \
             (`{}`), {} on a {}-core {}: median [min–max] of the runs per interpreter; \
             data in [`{DATA_PATH}`]({DATA_PATH}).\n\n| litmus | claim | metric |",
            self.command,
            self.machine.date.get(..10).unwrap_or(&self.machine.date),
            self.machine.cores,
            self.machine.cpu
        );
        for i in &self.interpreters {
            let _ = write!(out, " {} |", self.name(&i.id));
        }
        out.push_str("\n| --- | --- | --- |");
        out.push_str(&" --- |".repeat(self.interpreters.len()));
        out.push('\n');
        for test in &self.litmus {
            let _ = write!(
                out,
                "| `{}` | {} | {} ({}) |",
                test.id, test.claim, test.metric, test.unit
            );
            for i in &self.interpreters {
                let cell = match test.results.iter().find(|r| r.interpreter == i.id) {
                    Some(r) => match (r.summary(), &r.skipped) {
                        (Some((median, low, high)), _) => format!(
                            "{} [{}–{}] ({})",
                            number(median),
                            number(low),
                            number(high),
                            r.samples.len()
                        ),
                        (None, Some(why)) => format!("– ({why})"),
                        (None, None) => "–".into(),
                    },
                    None => "–".into(),
                };
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
        out.push_str("\nWhat each litmus does:\n\n");
        for test in &self.litmus {
            let _ = writeln!(out, "- `{}`: {}", test.id, test.what);
        }
        out
    }
}

/// Two or three significant digits.
fn number(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 10.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}
