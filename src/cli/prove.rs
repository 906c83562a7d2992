//! `prove` and `explain`: the catalogue, computed now; `prove` writes it to proofs/.

use super::output::{emit, note};
use super::Tool;
use crate::error::Error;
use crate::explore::Options;
use crate::files;
use crate::proofs::shard::{self, Share};
use crate::proofs::{self, Catalogue, Job, Run, Scope};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

/// Where `prove` goes: the whole plan, one share of it, or the shares of earlier runs merged.
pub enum Part {
    /// Every search.
    Whole,
    /// `--shard I/N`: one share, saved to `--out`.
    Shard(Share),
    /// `--merge DIR...`: the shares saved in these directories.
    Merge(Vec<PathBuf>),
}

/// `prove`: runs the searches of `scope` (or `part` of them), prints the results, and writes
/// the catalogue to `out` (default: proofs/, for the full default run only); a share is saved
/// to `out` instead. A target gilcheck may not write is refused before any search.
pub fn prove(
    tool: &Tool,
    scope: &Scope,
    limits: &Options,
    out: Option<&Path>,
    part: Part,
) -> Result<i32, Error> {
    let (scope, merged) = match part {
        Part::Whole => (scope.clone(), None),
        Part::Shard(share) => return prove_share(tool, scope, limits, out, share),
        Part::Merge(dirs) => {
            if scope.deep || scope.only.is_some() {
                return Err(Error::bad_input(
                    "--merge takes --deep and --only from the shares: give neither",
                ));
            }
            let (scope, planned, reports) = shard::load(&dirs)?;
            let (jobs, mut catalogue) = proofs::plan(&tool.models, &scope, limits)?;
            if jobs.len() != planned {
                return Err(Error::bad_input(format!(
                    "--merge: the shares planned {planned} searches, this gilcheck plans {}",
                    jobs.len()
                )));
            }
            catalogue.program = tool.program.clone();
            catalogue.runs = shard::assemble(&jobs, reports);
            (scope, Some(catalogue))
        }
    };
    let default_out = (scope.only.is_none() && !scope.deep).then(|| Path::new("proofs"));
    let out = out.or(default_out);
    if let Some(dir) = out {
        files::check_target(dir)?;
    }
    let catalogue = match merged {
        Some(catalogue) => catalogue,
        None => catalogue(tool, &scope, limits)?,
    };
    emit(&tool.reporter.catalogue(&catalogue))?;
    match out {
        Some(dir) => {
            proofs::write(&catalogue, dir)?;
            note(&format!("wrote the catalogue to {}", dir.display()));
        }
        None => note("(proofs/ not rewritten for --only or --deep; give --out DIR)"),
    }
    complete(&catalogue.runs)
}

/// `prove --shard I/N --out DIR`: runs the share's searches and saves their reports in DIR;
/// a limit error when some search was cut short.
fn prove_share(
    tool: &Tool,
    scope: &Scope,
    limits: &Options,
    out: Option<&Path>,
    share: Share,
) -> Result<i32, Error> {
    let dir = out.ok_or_else(|| {
        Error::bad_input("--shard needs --out DIR, the directory its reports are saved in")
    })?;
    files::check_target(dir)?;
    let (jobs, _) = proofs::plan(&tool.models, scope, limits)?;
    let mine: Vec<usize> = (0..jobs.len()).filter(|&at| share.takes(at)).collect();
    let runs = run(&mine.iter().map(|&at| &jobs[at]).collect::<Vec<_>>(), scope)?;
    let exit = complete(&runs);
    let searches = mine.len();
    shard::save(
        dir,
        scope,
        share,
        jobs.len(),
        mine.into_iter().zip(runs).collect(),
    )?;
    note(&format!(
        "share {}/{}: searches {} of {}, saved to {} (merge every share with prove --merge)",
        share.index,
        share.of,
        searches,
        jobs.len(),
        dir.display()
    ));
    exit
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
    complete(&catalogue.runs)
}

/// 0 when every run ended exhaustive, else a limit error naming the runs cut
/// short.
fn complete(runs: &[Run]) -> Result<i32, Error> {
    let incomplete = proofs::cut_short(runs);
    if incomplete.is_empty() {
        return Ok(0);
    }
    Err(Error::limit(format!(
        "searches cut short (inconclusive): {}",
        incomplete.join("; ")
    )))
}

/// Plans and runs the searches of `scope`.
fn catalogue(tool: &Tool, scope: &Scope, limits: &Options) -> Result<Catalogue, Error> {
    let (jobs, mut catalogue) = proofs::plan(&tool.models, scope, limits)?;
    catalogue.program = tool.program.clone();
    catalogue.runs = run(&jobs.iter().collect::<Vec<_>>(), scope)?;
    Ok(catalogue)
}

/// Runs `jobs` of `scope` on every core, with a progress bar on stderr (when it is a terminal).
fn run(jobs: &[&Job], scope: &Scope) -> Result<Vec<Run>, Error> {
    let bar = ProgressBar::new(jobs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let runs = proofs::execute(jobs, proofs::side_by_side(scope), &|job| {
        bar.inc(1);
        bar.set_message(format!(
            "{} / {} ({})",
            job.entry.name,
            job.variant.name,
            job.config.bounds()
        ));
    })?;
    bar.finish_and_clear();
    Ok(runs)
}
