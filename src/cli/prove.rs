//! `prove` and `explain`: the catalogue, computed now; `prove` writes it to proofs/.

use super::output::{emit, note};
use super::Tool;
use crate::error::Error;
use crate::explore::Options;
use crate::files;
use crate::proofs::{self, Catalogue, Scope};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

/// `prove`: runs the searches of `scope`, prints the results, and writes the catalogue to
/// `out` (default: proofs/, for the full default run only). A target gilcheck may not write is
/// refused before any search.
pub fn prove(
    tool: &Tool,
    scope: &Scope,
    limits: &Options,
    out: Option<&Path>,
) -> Result<i32, Error> {
    let default_out = (scope.only.is_none() && !scope.deep).then(|| Path::new("proofs"));
    let out = out.or(default_out);
    if let Some(dir) = out {
        files::check_target(dir)?;
    }
    let catalogue = catalogue(tool, scope, limits)?;
    emit(&tool.reporter.catalogue(&catalogue))?;
    match out {
        Some(dir) => {
            proofs::write(&catalogue, dir)?;
            note(&format!("wrote the catalogue to {}", dir.display()));
        }
        None => note("(proofs/ not rewritten for --only or --deep; give --out DIR)"),
    }
    complete(&catalogue)
}

/// `explain ID`: the property's page, computed now.
pub fn explain(tool: &Tool, id: &str, limits: &Options) -> Result<i32, Error> {
    let known = tool
        .models
        .iter()
        .any(|e| e.properties().iter().any(|p| p.id == id));
    if !known {
        return Err(Error::bad_input(format!(
            "unknown property ID '{id}' (`list` shows them)"
        )));
    }
    let scope = Scope {
        deep: false,
        only: Some(id.to_string()),
    };
    let catalogue = catalogue(tool, &scope, limits)?;
    emit(&tool.reporter.page(&catalogue))?;
    complete(&catalogue)
}

/// 0 when every verdict of the catalogue is decided, else a limit error naming the runs cut
/// short.
fn complete(catalogue: &Catalogue) -> Result<i32, Error> {
    let incomplete = catalogue.incomplete();
    if incomplete.is_empty() {
        return Ok(0);
    }
    Err(Error::limit(format!(
        "searches cut short (inconclusive): {}",
        incomplete.join("; ")
    )))
}

/// Plans and runs the searches of `scope`, with a progress bar on stderr (when it is a
/// terminal).
fn catalogue(tool: &Tool, scope: &Scope, limits: &Options) -> Result<Catalogue, Error> {
    let (jobs, mut catalogue) = proofs::plan(&tool.models, scope, limits)?;
    catalogue.program = tool.program.clone();
    let bar = ProgressBar::new(jobs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    catalogue.runs = proofs::execute(&jobs, &|job| {
        bar.inc(1);
        bar.set_message(format!(
            "{} / {} ({})",
            job.entry.name,
            job.variant.name,
            job.config.bounds()
        ));
    })?;
    bar.finish_and_clear();
    Ok(catalogue)
}
