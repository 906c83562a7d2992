//! `proofs/versions.md`: the version matrix. For each model whose variants name the releases of
//! the real code they stand for (`Variant::releases`), one row per property and one column per
//! release, with the verdict of each variant that stands for that release.

use super::catalogue::summary_of;
use super::{page, Catalogue, Run};
use crate::explore::Verdict;
use std::fmt::Write;

/// The file's name inside proofs/.
pub const FILE: &str = "versions.md";

/// The matrix, or `None` when no model proved names a release.
pub fn matrix(catalogue: &Catalogue) -> Option<String> {
    let mut out = String::from(
        "# Verdicts per release\n\n\
         Each column is a release of the real code. A cell gives, for each variant that stands \
         for that release, its verdict over the bound sets checked (violated at any of them, \
         else inconclusive at any, else holds at some, else vacuous); vacuous variants are \
         named only where no variant of the release decides the property. The property's page \
         has every row with its bounds, state count and command.\n",
    );
    let mut any = false;
    for (entry, properties) in &catalogue.models {
        let runs: Vec<&Run> = catalogue.stated(entry.name).collect();
        let mut releases: Vec<&str> = runs.iter().flat_map(|r| r.releases).copied().collect();
        releases.sort_by_key(|release| release_order(release));
        releases.dedup();
        if releases.is_empty() {
            continue;
        }
        any = true;
        let threads: Vec<usize> = runs.iter().map(|r| r.config.threads).collect();
        let (low, high) = (threads.iter().min(), threads.iter().max());
        let _ = writeln!(
            out,
            "\n## {}\n\nBounds: {} to {} threads (the variants' pages say more).\n",
            entry.name,
            low.unwrap_or(&0),
            high.unwrap_or(&0)
        );
        let _ = writeln!(out, "| property | {} |", releases.join(" | "));
        let _ = writeln!(out, "| --- |{}", " --- |".repeat(releases.len()));
        for property in properties.iter().filter(|p| catalogue.reports(p.id)) {
            let cells: Vec<String> = releases
                .iter()
                .map(|release| cell(&runs, property.id, release))
                .collect();
            let _ = writeln!(
                out,
                "| [{id}]({file}) | {} |",
                cells.join(" | "),
                id = property.id,
                file = page::file_name(property.id)
            );
        }
    }
    any.then_some(out)
}

/// The verdicts of the variants that stand for `release`, grouped by verdict.
fn cell(runs: &[&Run], id: &str, release: &str) -> String {
    let mut variants: Vec<&str> = Vec::new();
    for run in runs.iter().filter(|r| r.releases.contains(&release)) {
        if !variants.contains(&run.variant) {
            variants.push(run.variant);
        }
    }
    let verdicts: Vec<(&str, Verdict)> = variants
        .iter()
        .map(|&v| (v, summary_of(runs, v, id)))
        .collect();
    let groups: Vec<String> = [
        Verdict::Violated,
        Verdict::Inconclusive,
        Verdict::Holds,
        Verdict::Vacuous,
    ]
    .into_iter()
    .filter_map(|verdict| {
        let named: Vec<String> = verdicts
            .iter()
            .filter(|(_, of)| *of == verdict)
            .map(|(v, _)| format!("`{v}`"))
            .collect();
        let word = if verdict == Verdict::Violated {
            format!("**{verdict}**")
        } else {
            verdict.to_string()
        };
        (!named.is_empty()).then(|| format!("{word} ({})", named.join(", ")))
    })
    .collect();
    // A vacuous variant says nothing when another variant of the release decides.
    let decided = groups.len()
        - groups
            .last()
            .map_or(0, |g| g.starts_with("vacuous") as usize);
    groups[..decided.max(1).min(groups.len())].join("; ")
}

/// Releases in version order: `2.7` before `3.9` before `3.11`; names that are not numbers last.
fn release_order(release: &str) -> Vec<u32> {
    release
        .split('.')
        .map(|part| part.parse().unwrap_or(u32::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::release_order;

    #[test]
    fn releases_sort_as_versions() {
        let mut releases = ["3.11", "2.7", "3.9", "main", "3.13"];
        releases.sort_by_key(|r| release_order(r));
        assert_eq!(releases, ["2.7", "3.9", "3.11", "3.13", "main"]);
    }
}
