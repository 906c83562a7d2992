//! Every registered model, through the registry (as the command line sees it): every property
//! is violated by at least one of its variants — a bad one, a historical bug, or the default
//! itself where the property states what the real code does not do (non-vacuity). Small bounds:
//! 3 threads (or the model's maximum) and the fewest objects.

use gilcheck::explore::{Options, Verdict};
use gilcheck::model::Config;
use gilcheck::models::registry;

#[test]
fn every_property_is_violated_by_some_variant() {
    for entry in registry() {
        let config = Config {
            objects: *entry.objects.start(),
            ..entry.config(3.clamp(*entry.threads.start(), *entry.threads.end()))
        };
        let mut violated = Vec::new();
        for variant in entry.variants {
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
