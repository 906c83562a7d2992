//! One Markdown page per property: what it says, what it mirrors, its verdict per variant and
//! bound set with the command that reproduces each, what was forced on real interpreters
//! (`reproduce::record`), and its traces with their timelines.

use super::{Catalogue, Run};
use crate::config::Value;
use crate::explore::{PropertyResult, Verdict};
use crate::model::kind_of;
use crate::registry::{ModelEntry, PropertyInfo};
use crate::reproduce::record;
use crate::timeline::svg::{self, Ending};
use std::fmt::Write;

/// The page's file name inside proofs/.
pub fn file_name(id: &str) -> String {
    format!("{id}.md")
}

/// What the kind letter of an ID promises, in words.
pub fn kind(id: &str) -> &'static str {
    match kind_of(id) {
        Some('S') => "safety: holds in every reachable state",
        Some('L') => "liveness: holds on every fair infinite run",
        Some('B') => "bounded progress: the checker computes the numbers",
        Some('R') => "reachability: holds means a witness was found, violated that none exists",
        Some('X') => "a known historical bug, reproduced by a named variant",
        _ => "unclassified",
    }
}

/// The picture's file name inside proofs/: the property, the variant, the threads (`3t`) and
/// each count setting by its value and initial (`2o` for 2 objects).
pub fn picture_name(run: &Run, id: &str) -> String {
    let counts: String = run
        .config
        .settings
        .iter()
        .filter_map(|(name, value)| match value {
            Value::Count(n) => Some(format!("{n}{}", &name[..1])),
            Value::Flag(_) => None,
        })
        .collect();
    format!(
        "svg/{id}-{}-{}t{counts}.svg",
        run.variant, run.config.threads
    )
}

/// The verdict of `id` in `run`, with its numbers for counting properties.
pub fn verdict_cell(run: &Run, id: &str) -> String {
    run.report
        .result(id)
        .map_or("-".into(), |result| result.verdict_text())
}

/// The page of `property` and its pictures (path, SVG).
pub fn page(
    catalogue: &Catalogue,
    entry: &ModelEntry,
    property: &PropertyInfo,
) -> (String, Vec<(String, String)>) {
    let id = property.id;
    let runs: Vec<&Run> = catalogue.stated(entry.name).collect();
    let mut out = String::new();
    let _ = writeln!(out, "# {id}\n\n> {}\n", property.statement);
    let _ = writeln!(
        out,
        "- **Model**: `{}` ([{source}](../{source})): {}",
        entry.name,
        entry.summary,
        source = entry.source
    );
    let _ = writeln!(out, "- **Mirrors**: {}", property.source);
    let _ = writeln!(out, "- **Kind**: {}", kind(id));
    let _ = writeln!(
        out,
        "- **Checked by**: gilcheck's explicit-state checker, exhaustively at each bound set \
         below; a search cut short by a limit says `inconclusive`, and a property whose \
         trigger or premise never occurs says `vacuous`.\n"
    );

    let _ = writeln!(out, "## Verdicts\n");
    let _ = writeln!(
        out,
        "| variant | mirrors | bounds | verdict | states | reproduce |\n| --- | --- | --- | --- | --- | --- |"
    );
    for run in &runs {
        let (bounds, states) = run.rests_on(id);
        let _ = writeln!(
            out,
            "| `{}` | {} | {bounds} | {} | {states} | `{}` |",
            run.variant,
            run.mirrors(),
            verdict_cell(run, id),
            run.command(&catalogue.program, entry)
        );
    }
    if runs
        .iter()
        .any(|r| r.report.verdict(id) == Some(Verdict::Vacuous))
    {
        let _ = writeln!(
            out,
            "\nA `vacuous` row proves nothing: what the property needs never occurs at those \
             bounds."
        );
    }
    let violators: Vec<&str> = super::violators(entry, &runs, id)
        .into_iter()
        .map(|v| v.name)
        .collect();
    let _ = writeln!(
        out,
        "\nNon-vacuity: {}.\n",
        if violators.is_empty() {
            "no variant violates it at these bounds".to_string()
        } else {
            format!("violated by {}", quoted(&violators))
        }
    );

    for (_, note) in entry.notes.iter().filter(|(of, _)| *of == id) {
        let _ = writeln!(out, "{}\n", note.trim_end());
    }
    let model_verdict = |variant: &str, threads: usize| {
        runs.iter()
            .find(|r| r.variant == variant && r.config.threads == threads)
            .map_or("not in the catalogue".into(), |r| verdict_cell(r, id))
    };
    if let Some(section) = record::section(&record::records(), id, &model_verdict) {
        let _ = writeln!(out, "{section}");
    }
    if property.liveness {
        out.push_str(&sensitivity(catalogue, entry, id));
    }

    let mut pictures = Vec::new();
    let mut traces = String::new();
    for variant in entry.variants() {
        let Some((run, result)) = first_trace(&runs, variant.name, id) else {
            continue;
        };
        let trace = result.trace.as_ref().expect("filtered on the trace");
        let (what, ending) = match result.verdict {
            Verdict::Violated => ("counterexample", Ending::Violation),
            _ => ("witness", Ending::Witness),
        };
        let picture = picture_name(run, id);
        let _ =
            writeln!(
            traces,
            "### `{}`, {}: {what}{}\n\n![timeline of the {what}]({picture})\n\n```text\n{}```\n",
            run.variant,
            run.bounds(),
            if trace.cycle.is_some() { " (lasso)" } else { "" },
            trace.to_text()
        );
        pictures.push((picture, svg::timeline(trace, ending, entry.legend)));
    }
    if !traces.is_empty() {
        let _ = writeln!(
            out,
            "## Traces\n\nOne per variant, at the smallest bounds that have one (the reproduce \
             commands above print the others). Each picture shows time downwards, one lane per \
             thread.\n"
        );
        out.push_str(&traces);
    }
    (out.trim_end().to_string() + "\n", pictures)
}

/// The first (smallest) bound set at which `variant` has a trace for property `id`.
pub fn first_trace<'a>(
    runs: &[&'a Run],
    variant: &str,
    id: &str,
) -> Option<(&'a Run, &'a PropertyResult)> {
    runs.iter()
        .filter(|r| r.variant == variant)
        .find_map(|r| Some((*r, r.report.result(id).filter(|x| x.trace.is_some())?)))
}

/// The liveness section: assumptions, and the default variant's verdict under each change.
fn sensitivity(catalogue: &Catalogue, entry: &ModelEntry, id: &str) -> String {
    let mut out = String::new();
    let default = entry.variants()[0].name;
    let assumptions = catalogue
        .stated(entry.name)
        .find_map(|r| r.report.result(id).filter(|x| !x.assumptions.is_empty()));
    if let Some(result) = assumptions {
        let _ = writeln!(out, "## Assumptions\n");
        for assumption in &result.assumptions {
            let _ = writeln!(out, "- {assumption}");
        }
        out.push('\n');
    }
    let changed: Vec<&Run> = catalogue.changed(entry).collect();
    if changed.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "## Assumption sensitivity (`{default}`)\n\nThe verdict with one assumption changed.\n"
    );
    let _ = writeln!(
        out,
        "| bounds | change | verdict | reproduce |\n| --- | --- | --- | --- |"
    );
    for run in changed {
        let _ = writeln!(
            out,
            "| {} | {} | {} | `{}` |",
            run.rests_on(id).0,
            run.change.as_deref().unwrap_or_default(),
            verdict_cell(run, id),
            run.command(&catalogue.program, entry)
        );
    }
    out.push('\n');
    out
}

fn quoted(names: &[&str]) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    names.join(", ")
}
