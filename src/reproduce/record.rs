//! What `gilcheck reproduce` measured on this machine, checked in as `bench/reproduce/forced.json`
//! (one record per property, variant and interpreter, written by `bench/reproduce/run.sh` from
//! `reproduce --json`), and the section each property page shows of it.

use super::control::Controls;
use super::force::Forced;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// The checked-in measurements.
pub const DATA: &str = include_str!("../../bench/reproduce/forced.json");
/// Where they are, for the pages.
pub const DATA_PATH: &str = "bench/reproduce/forced.json";

/// One property forced on one interpreter, with its control runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The property's ID.
    pub property: String,
    /// The model's variant whose trace was forced.
    pub variant: String,
    /// The model's threads.
    pub threads: usize,
    /// Steps of the model's trace.
    pub trace_steps: usize,
    /// For a lasso, the rounds of its cycle forced; 0 otherwise.
    #[serde(default)]
    pub rounds: usize,
    /// The interpreter's path.
    pub python: String,
    /// `sys.version` of it.
    pub version: String,
    /// The forced run (without its log), when one was made.
    pub forced: Option<Forced>,
    /// Control runs.
    pub controls: Vec<Controls>,
    /// The command that produced the record.
    pub command: String,
}

impl Record {
    /// The interpreter in a few words: `CPython 3.11.2` and where it comes from.
    pub fn interpreter(&self) -> String {
        let release = self.version.split_whitespace().next().unwrap_or("?");
        format!("CPython {release} (`{}`)", self.python)
    }
}

/// The checked-in records.
pub fn records() -> Vec<Record> {
    #[derive(Deserialize)]
    struct File {
        records: Vec<Record>,
    }
    serde_json::from_str::<File>(DATA)
        .expect("bench/reproduce/forced.json parses (tests/reproduce.rs)")
        .records
}

/// The page section of property `id`: one row per record; `verdict` gives the model's verdict
/// for a variant and thread count. `None` when nothing was measured.
pub fn section(
    records: &[Record],
    id: &str,
    verdict: &dyn Fn(&str, usize) -> String,
) -> Option<String> {
    let mine: Vec<&Record> = records.iter().filter(|r| r.property == id).collect();
    if mine.is_empty() {
        return None;
    }
    let mut out = format!(
        "## On real interpreters\n\nThe model's trace forced on a real CPython by `gilcheck \
         reproduce` (gdb sets breakpoints, runs one thread at a time and reads memory; it never \
         writes the program's memory or registers), and the same program run without gdb. \
         Measured on this repository's 2-core machine; data in [`{DATA_PATH}`](../{DATA_PATH}).\n\n\
         | variant | model | interpreter | trace | forced | unforced failures |\n\
         | --- | --- | --- | --- | --- | --- |\n"
    );
    for r in &mine {
        let forced = r.forced.as_ref().map_or("not run".to_string(), |f| {
            format!("**{}**: {}", f.outcome.text(), f.detail.replace('|', "\\|"))
        });
        let controls: Vec<String> = r.controls.iter().map(Controls::text).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} steps, {} threads{} | {forced} | {} |",
            r.variant,
            verdict(&r.variant, r.threads),
            r.interpreter(),
            r.trace_steps,
            r.threads,
            if r.rounds > 0 {
                format!(", cycle forced {} rounds", r.rounds)
            } else {
                String::new()
            },
            if controls.is_empty() {
                "not run".to_string()
            } else {
                controls.join("; ")
            }
        );
    }
    let _ = writeln!(out, "\nCommands:\n");
    for r in &mine {
        let _ = writeln!(out, "- `{}`", r.command);
    }
    Some(out)
}
