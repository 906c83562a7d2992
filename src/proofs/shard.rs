//! `prove --shard I/N` and `prove --merge`: a run takes a fixed share of the plan's searches
//! and saves their reports; the shares of every run, merged, make the catalogue that one run
//! makes. The plan is deterministic, so a share is a set of positions in it: every `N`th
//! search from the `I`th (round robin spreads the large searches of a model over the shares).

use super::catalogue::{Job, Run, Scope};
use crate::error::Error;
use crate::explore::Report;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file a share is saved in, inside its directory.
pub const FILE: &str = "shard.json";

/// The `index`th of `of` shares of a plan (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// Which share, from 1.
    pub index: usize,
    /// How many shares.
    pub of: usize,
}

impl Share {
    /// `I/N` with 1 <= I <= N.
    pub fn parse(text: &str) -> Result<Share, Error> {
        let parsed = text.split_once('/').and_then(|(i, n)| {
            let share = Share {
                index: i.trim().parse().ok()?,
                of: n.trim().parse().ok()?,
            };
            (1..=share.of).contains(&share.index).then_some(share)
        });
        parsed.ok_or_else(|| {
            Error::bad_input(format!(
                "--shard {text}: expected I/N with 1 <= I <= N (for example 1/2)"
            ))
        })
    }

    /// Whether the search at `position` of the plan is in this share.
    pub fn takes(&self, position: usize) -> bool {
        position % self.of == self.index - 1
    }
}

/// What a share saves: the plan it is a share of, and the report of each of its searches.
#[derive(Serialize, Deserialize)]
struct Saved {
    /// The gilcheck version that ran it: shares of different versions are not merged.
    version: String,
    /// The plan's scope.
    deep: bool,
    only: Option<String>,
    /// Which share.
    share: Share,
    /// The plan's length.
    planned: usize,
    /// (position in the plan, report), in plan order.
    reports: Vec<(usize, Report)>,
}

/// Saves the runs of `share` (with their positions in a plan of `planned` searches for
/// `scope`) as the directory `dir` (`crate::files::replace_dir`).
pub fn save(
    dir: &Path,
    scope: &Scope,
    share: Share,
    planned: usize,
    runs: Vec<(usize, Run)>,
) -> Result<(), Error> {
    let saved = Saved {
        version: env!("CARGO_PKG_VERSION").to_string(),
        deep: scope.deep,
        only: scope.only.clone(),
        share,
        planned,
        reports: runs.into_iter().map(|(at, run)| (at, run.report)).collect(),
    };
    let text = serde_json::to_string(&saved).expect("a report serializes");
    crate::files::replace_dir(dir, &[(FILE.to_string(), text)])
}

/// The shares saved in `dirs`: their common scope, and every report by its position in the
/// plan. Refused (bad input) unless they are the shares 1..=N of one plan, each once, saved by
/// this version.
pub fn load(dirs: &[PathBuf]) -> Result<(Scope, usize, Vec<Report>), Error> {
    let mut shares: Vec<Saved> = Vec::new();
    for dir in dirs {
        let path = dir.join(FILE);
        let bad = |why: String| Error::bad_input(format!("--merge {}: {why}", dir.display()));
        let text = std::fs::read_to_string(&path).map_err(|e| {
            bad(format!(
                "cannot read {FILE} ({e}); is it a --shard --out directory?"
            ))
        })?;
        let saved: Saved =
            serde_json::from_str(&text).map_err(|e| bad(format!("{FILE} is malformed ({e})")))?;
        if saved.version != env!("CARGO_PKG_VERSION") {
            return Err(bad(format!(
                "saved by gilcheck {}, this is {}",
                saved.version,
                env!("CARGO_PKG_VERSION")
            )));
        }
        if let Some(first) = shares.first() {
            let same = (first.deep, &first.only, first.share.of, first.planned)
                == (saved.deep, &saved.only, saved.share.of, saved.planned);
            if !same {
                return Err(bad(format!(
                    "a share of another plan than {}'s",
                    dirs[0].display()
                )));
            }
        }
        if shares.iter().any(|s| s.share.index == saved.share.index) {
            return Err(bad(format!("share {} is given twice", saved.share.index)));
        }
        shares.push(saved);
    }
    let first = shares
        .first()
        .ok_or_else(|| Error::bad_input("--merge needs the directories of the shares"))?;
    let (of, planned) = (first.share.of, first.planned);
    let scope = Scope {
        deep: first.deep,
        only: first.only.clone(),
    };
    if shares.len() != of {
        let mut have: Vec<usize> = shares.iter().map(|s| s.share.index).collect();
        have.sort_unstable();
        return Err(Error::bad_input(format!(
            "--merge: {} of {of} shares given ({have:?}); every share is needed",
            shares.len()
        )));
    }
    let mut reports: Vec<Option<Report>> = vec![None; planned];
    for saved in shares {
        for (at, report) in saved.reports {
            let wanted = at < planned && saved.share.takes(at) && reports[at].is_none();
            if !wanted {
                return Err(Error::bad_input(format!(
                    "--merge: share {} holds a report for search {at}, which is not its own",
                    saved.share.index
                )));
            }
            reports[at] = Some(report);
        }
    }
    let reports = reports.into_iter().collect::<Option<Vec<Report>>>();
    let reports =
        reports.ok_or_else(|| Error::bad_input("--merge: a share lacks some of its searches"))?;
    Ok((scope, planned, reports))
}

/// The runs of `jobs` (the plan, in order) from their reports.
pub fn assemble(jobs: &[Job], reports: Vec<Report>) -> Vec<Run> {
    jobs.iter()
        .zip(reports)
        .map(|(job, report)| job.run(report))
        .collect()
}
