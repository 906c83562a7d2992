//! Every registered model, through the registry (as the command line sees it), at 2 threads and
//! the model's default objects: the default variant satisfies every property, and every property
//! is violated by at least one other variant, a bad one or a historical bug (non-vacuity).

use gilcheck::explore::{Options, Verdict};
use gilcheck::models::registry;

#[test]
fn the_default_holds_and_every_property_has_a_violating_variant() {
    for entry in registry() {
        let threads = 2.clamp(*entry.threads.start(), *entry.threads.end());
        let config = entry.config(threads);
        let mut violated = Vec::new();
        for (i, variant) in entry.variants.iter().enumerate() {
            let report = entry
                .check(variant, &config, &Options::default())
                .expect("valid bounds");
            assert!(report.limit.is_none(), "{} {}", entry.name, variant.name);
            for r in &report.results {
                if i == 0 {
                    assert_eq!(
                        r.verdict,
                        Verdict::Holds,
                        "{} {} {}",
                        entry.name,
                        variant.name,
                        r.id
                    );
                } else if r.verdict == Verdict::Violated {
                    violated.push(r.id.clone());
                }
            }
        }
        for property in (entry.properties)() {
            assert!(
                violated.iter().any(|id| id == property.id),
                "{}: no variant violates {}",
                entry.name,
                property.id
            );
        }
    }
}
