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
