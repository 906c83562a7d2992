//! Every registered model, through the registry (as the command line sees it): the faithful
//! variants satisfy every property, and every property is violated by at least one bad variant
//! (non-vacuity), at 2 threads and the model's default objects.

use gilcheck::explore::{Options, Verdict};
use gilcheck::models::registry;

#[test]
fn faithful_variants_hold_and_every_property_has_a_violating_bad_variant() {
    for entry in registry() {
        let threads = 2.clamp(*entry.threads.start(), *entry.threads.end());
        let config = entry.config(threads);
        let mut violated = Vec::new();
        for variant in entry.variants {
            let report = entry
                .check(variant, &config, &Options::default())
                .expect("valid bounds");
            assert!(report.limit.is_none(), "{} {}", entry.name, variant.name);
            for r in &report.results {
                if variant.faithful {
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
                "{}: no bad variant violates {}",
                entry.name,
                property.id
            );
        }
    }
}
