//! Every registered model, through the registry (as the command line sees it): every property
//! is violated by at least one of its variants — a bad one, a historical bug, or the default
//! itself where the property states what the real code does not do (non-vacuity). Small bounds:
//! 3 threads (or the model's maximum) and every count setting at its least.

use gilcheck::config::SettingKind;
use gilcheck::explore::{Options, Verdict};
use gilcheck::models::registry;

#[test]
fn every_property_is_violated_by_some_variant() {
    for entry in registry() {
        let mut config = entry.config(3.clamp(*entry.threads.start(), *entry.threads.end()));
        for setting in entry.bounds() {
            if let SettingKind::Count { range, .. } = &setting.kind {
                config = config.with(setting.name, *range.start());
            }
        }
        let mut violated = Vec::new();
        for variant in entry.variants() {
            let report = entry
                .check(variant, &config, &Options::default())
                .expect("valid bounds");
            assert!(report.limit.is_none(), "{} {}", entry.name, variant.name);
            violated.extend(
                report
                    .results
                    .iter()
                    .filter(|r| r.verdict == Verdict::Violated)
                    .map(|r| r.id.clone()),
            );
        }
        for property in entry.properties() {
            assert!(
                violated.iter().any(|id| id == property.id),
                "{}: no variant violates {}",
                entry.name,
                property.id
            );
        }
    }
}

/// A CPython version as (major, minor): `3.12` → (3, 12).
fn version(text: &str) -> (u32, u32) {
    let (major, minor) = text.split_once('.').expect("major.minor");
    (major.parse().unwrap(), minor.parse().unwrap())
}

/// The CPython versions a property's source cites: spans `3.2-3.11`, open ends `3.12+` and
/// single versions (`3.13`, or `3.9.2`'s minor), as inclusive (low, high) pairs. A clause
/// (between semicolons) that says "not checked here" cites nothing.
fn cited(source: &str) -> Vec<((u32, u32), (u32, u32))> {
    let mut out = Vec::new();
    let words: Vec<&str> = source
        .split(';')
        .filter(|clause| !clause.contains("not checked here"))
        .flat_map(|clause| {
            clause.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        })
        .collect();
    for word in words {
        let word = word.trim_matches(|c| c == '.' || c == '-');
        let minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
        let is_version = |v: &str| {
            let parts: Vec<&str> = v.split('.').collect();
            (2..=3).contains(&parts.len())
                && ["2", "3"].contains(&parts[0])
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        };
        if let Some((low, high)) = word.split_once('-') {
            if is_version(low) && is_version(high) {
                out.push((version(&minor(low)), version(&minor(high))));
            }
        } else if let Some(low) = word.strip_suffix('+') {
            if is_version(low) {
                out.push((version(&minor(low)), (3, u32::MAX)));
            }
        } else if is_version(word) {
            let v = version(&minor(word));
            out.push((v, v));
        }
    }
    out
}

/// Every CPython version a property's source cites has a variant of its model that stands for
/// a release in it: the catalogue checks each version it names.
#[test]
fn each_cited_version_has_a_variant() {
    let mut uncovered = Vec::new();
    for entry in registry() {
        let releases: Vec<(u32, u32)> = entry
            .variants()
            .iter()
            .flat_map(|v| v.releases.iter().map(|r| version(r)))
            .collect();
        for property in entry.properties() {
            for (low, high) in cited(property.source) {
                if !releases.iter().any(|r| (low..=high).contains(r)) {
                    uncovered.push(format!(
                        "{} {} cites {low:?}..={high:?}, releases {releases:?}",
                        entry.name, property.id
                    ));
                }
            }
        }
    }
    assert!(uncovered.is_empty(), "{uncovered:#?}");
}

#[test]
fn cited_versions_are_read_as_spans() {
    assert_eq!(
        cited("ceval_gil.h (CPython 3.2-3.11, ceval_gil.c 3.12+), fixed in 3.11.2; 2.7: lock; 3.14, not checked here"),
        [
            ((3, 2), (3, 11)),
            ((3, 12), (3, u32::MAX)),
            ((3, 11), (3, 11)),
            ((2, 7), (2, 7))
        ]
    );
}
