//! The text reporter: what a person reads in a terminal.

use super::report::{Bench, Checked, Reporter, Reproduction};
use crate::config::SettingKind;
use crate::explore::{Basis, Report, Verdict};
use crate::models::claims::{self, ClaimVerdict};
use crate::proofs::{self, Catalogue, Run};
use crate::registry::{ModelEntry, PropertyInfo, Replay};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Plain text.
pub struct Text;

impl Reporter for Text {
    fn models(&self, models: &[ModelEntry]) -> String {
        let mut out = String::new();
        for entry in models {
            let _ = writeln!(out, "{}: {}", entry.name, entry.summary);
            let _ = writeln!(
                out,
                "  threads {}..={} (default {})",
                entry.threads.start(),
                entry.threads.end(),
                entry.default_threads
            );
            for setting in entry.settings {
                let _ = match &setting.kind {
                    SettingKind::Count { range, default } => writeln!(
                        out,
                        "  --{} {}..={} (default {default}): {}",
                        setting.name,
                        range.start(),
                        range.end(),
                        setting.summary
                    ),
                    SettingKind::Flag { .. } => {
                        writeln!(out, "  --{}: {}", setting.name, setting.summary)
                    }
                };
            }
            let _ = writeln!(out, "  variants:");
            for v in entry.variants() {
                let _ = writeln!(out, "    {:<26} {}", v.name, v.summary);
            }
            let _ = writeln!(out, "  properties:");
            for p in entry.properties() {
                let _ = writeln!(out, "    {:<8} {}", p.id, p.statement);
            }
        }
        out
    }

    fn check(&self, checked: &Checked<'_>) -> String {
        let report = checked.report;
        let mut out = header(checked);
        out.push('\n');
        for r in &report.results {
            // Next to a limit, a decided verdict says what it rests on.
            let basis = match (r.verdict, r.basis) {
                _ if report.limit.is_none() || r.verdict == Verdict::Inconclusive => "",
                (Verdict::Violated, _) if r.trace.is_some() => " [counterexample below]",
                (_, Basis::Search) => " [rests on the search above]",
                (_, Basis::Graph) => " [rests on the complete graph]",
            };
            let _ = writeln!(out, "  {}{basis}", r.line());
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

    fn catalogue(&self, catalogue: &Catalogue) -> String {
        let mut table = String::new();
        let _ = writeln!(
            table,
            "{:<8} {:<26} {:<8} {:<12} {:>9} {:>7}  bounds",
            "model", "variant", "property", "verdict", "states", "seconds"
        );
        for (entry, properties) in &catalogue.models {
            let runs: Vec<&Run> = catalogue.stated(entry.name).collect();
            for run in &runs {
                let reported = run.report.results.iter();
                for r in reported.filter(|r| catalogue.reports(&r.id)) {
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
                    .map(|v| match v.name == entry.variants()[0].name {
                        true => format!("{} (default)", v.name),
                        false => v.name.to_string(),
                    })
                    .collect();
                let names = match names.is_empty() {
                    true => "NONE: no variant violates it".to_string(),
                    false => names.join(", "),
                };
                let _ = writeln!(table, "  {:<8} {names}", p.id);
            }
            let sets = catalogue.decided(entry.name);
            let _ = writeln!(table, "bounds decided ({}):", entry.name);
            for (bounds, decided, all) in &sets {
                let _ = writeln!(table, "  {bounds}: {decided} of {all} searches exhaustive");
            }
            let largest = sets.iter().rev().find(|(_, decided, all)| decided == all);
            let largest = largest.map_or("none", |(bounds, _, _)| bounds.as_str());
            let _ = writeln!(table, "  largest decided for every variant: {largest}");
            table.push_str(&sensitivity(catalogue, entry, properties));
            table.push('\n');
        }
        table
    }

    fn page(&self, catalogue: &Catalogue) -> String {
        let (entry, property) = catalogue.properties()[0];
        proofs::page::page(catalogue, entry, property).0
    }

    fn replay(&self, replay: &Replay) -> String {
        let line = match &replay.outcome {
            Ok(what) => format!("confirmed: {what}"),
            Err(why) => format!("NOT confirmed: {why}"),
        };
        format!("{}{line}\n", replay.trace.to_text())
    }

    fn claims(&self, claims: &[ClaimVerdict]) -> String {
        format!("{}\n", claims::table(claims))
    }

    fn bench(&self, bench: &Bench<'_>) -> String {
        let mut out = format!(
            "explicit checker, {} / {}, {} worker(s); search = the safety (S) properties alone, \
             all = every property (liveness on the whole graph)\n",
            bench.entry.name,
            bench.entry.variants()[0].name,
            bench.workers
        );
        let _ = writeln!(
            out,
            "{:<28} {:>8} {:>10} {:>12} {:>9} {:>11} {:>11} {:>9}  limit",
            "bounds",
            "symmetry",
            "states",
            "transitions",
            "search_s",
            "states/s",
            "bytes/state",
            "all_s"
        );
        for row in &bench.rows {
            let (search, all) = (&row.search, &row.all);
            let limit = search.limit.as_ref().or(all.limit.as_ref());
            let _ = writeln!(
                out,
                "{:<28} {:>8} {:>10} {:>12} {:>9.3} {:>11.0} {:>11.1} {:>9.3}  {}",
                row.config.bounds(),
                if row.symmetry { "on" } else { "off" },
                search.states,
                search.transitions,
                search.seconds,
                search.states_per_second(),
                search.memory_bytes as f64 / search.states.max(1) as f64,
                all.seconds,
                limit.map_or("-", String::as_str)
            );
        }
        if !bench.twins.is_empty() {
            let _ = writeln!(
                out,
                "\nexecutable twin of {} (every run replayed on the spec)\n{:<38} {:>11} {:>9} {:>12}",
                bench.entry.name, "backend", "executions", "seconds", "executions/s"
            );
        }
        for (name, result) in &bench.twins {
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

    fn reproduction(&self, reproduction: &Reproduction<'_>) -> String {
        let r = reproduction.record;
        let mut out = format!(
            "reproduce {} on gil/{} ({} threads): model trace of {} steps, forced as {} \
             blocks\ninterpreter: {} ({})\n",
            r.property,
            r.variant,
            r.threads,
            r.trace_steps,
            reproduction.blocks,
            r.python,
            r.version
        );
        if let Some(forced) = &r.forced {
            for c in &forced.checkpoints {
                let steps: Vec<String> = c.steps.iter().map(usize::to_string).collect();
                let fields = fields_line(&c.fields, |v| v.to_string());
                let what = match (c.steps.is_empty(), c.round) {
                    (true, _) => "setup".to_string(),
                    (false, 0) => format!("steps {}", steps.join(",")),
                    (false, round) => format!("round {round} steps {}", steps.join(",")),
                };
                let _ = writeln!(out, "  {what}: T{} {}; {}", c.thread, c.r#where, fields);
            }
            let _ = writeln!(out, "forced: {}: {}", forced.outcome.text(), forced.detail);
            for (thread, stack) in &forced.backtraces {
                let _ = writeln!(out, "  {thread}: {}", stack.join(" <- "));
            }
            for sample in &forced.proc {
                let _ = writeln!(out, "  /proc {sample}");
            }
            if !forced.fields_at_end.is_empty() {
                let fields = fields_line(&forced.fields_at_end, |v| format!("{v:#x}"));
                let _ = writeln!(out, "  GIL in memory at the end: {fields}");
            }
        }
        if let Some(dir) = reproduction.evidence {
            let _ = writeln!(out, "evidence: {}", dir.display());
        }
        for c in &r.controls {
            let _ = writeln!(
                out,
                "unforced: {} failed (timeout {} s)",
                c.text(),
                c.timeout
            );
        }
        out
    }
}

/// What the search covered, and, on a second line, the graph the liveness and counting
/// verdicts rest on.
/// `name=value ...` of fields read from memory, each value shown by `show`, `?` if unread.
fn fields_line(fields: &BTreeMap<String, Option<i64>>, show: impl Fn(i64) -> String) -> String {
    let shown: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", v.map_or("?".into(), &show)))
        .collect();
    shown.join(" ")
}

fn header(checked: &Checked<'_>) -> String {
    let report: &Report = checked.report;
    let search_limit = (!report.exhaustive)
        .then_some(report.limit.as_deref())
        .flatten();
    let mut out = format!(
        "{} / {} with {}{}: {} states, {} transitions, depth {}, {:.2} s, {:.0} states/s ({})",
        checked.entry.name,
        checked.variant.name,
        checked.config.bounds(),
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

/// For each liveness property of the default variant and each bound set: its verdict as stated
/// and under each single change of assumptions.
fn sensitivity(catalogue: &Catalogue, entry: &ModelEntry, properties: &[PropertyInfo]) -> String {
    let live: Vec<&str> = properties
        .iter()
        .filter(|p| p.liveness && catalogue.reports(p.id))
        .map(|p| p.id)
        .collect();
    let default = entry.variants()[0].name;
    let mut out = String::new();
    if live.is_empty() {
        return out;
    }
    let stated = catalogue
        .stated(entry.name)
        .filter(|r| r.variant == default);
    for base in stated {
        let changed = catalogue.changes_of(entry, base);
        let _ = write!(
            out,
            "\nassumption sensitivity ({} / {default}, {}): liveness verdicts as stated and \
             with one change\n  {:<8} {:>17}",
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
        let stated = base.report.results.iter();
        if let Some(stated) = stated.clone().find(|r| !r.assumptions.is_empty()) {
            let _ = writeln!(out, "  as stated: {}", stated.assumptions.join("; "));
        }
    }
    out
}
