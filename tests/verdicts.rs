//! The verdict table of the seed's claims in README.md is what the checker computes now, next
//! to what bench/cpython measured on real interpreters.

use gilcheck::models::claims::{claims, splice, table};
use gilcheck::models::observed::litmus;

#[test]
fn the_readme_verdict_table_is_fresh() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let fresh = splice(&readme, &table(&claims())).expect("README.md has the verdict markers");
    assert!(
        fresh == readme,
        "README.md's verdict table is stale: run `cargo run --release -- verdicts --write README.md`"
    );
}

#[test]
fn every_claim_gets_a_verdict_and_pypy_is_called_out() {
    let claims = claims();
    assert_eq!(
        claims.iter().map(|c| c.id).collect::<Vec<_>>(),
        ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"]
    );
    for c in &claims {
        let cites: Vec<&str> = c.evidence.iter().map(|f| f.cite.as_str()).collect();
        assert_ne!(c.verdict, "see evidence", "{}: {cites:?}", c.id);
    }
    let c9 = &claims[8];
    assert!(c9.verdict.starts_with("false for PyPy"), "{}", c9.verdict);
}

#[test]
fn every_litmus_a_claim_cites_was_measured_and_every_result_is_samples_or_a_reason() {
    let data = litmus();
    let ids: Vec<&str> = data.litmus.iter().map(|t| t.id.as_str()).collect();
    let interpreters: Vec<&str> = data.interpreters.iter().map(|i| i.id.as_str()).collect();
    for c in claims() {
        for id in c.litmus {
            assert!(
                ids.contains(id),
                "{} cites {id}, which bench/cpython/litmus.json lacks",
                c.id
            );
        }
    }
    for test in &data.litmus {
        assert!(!test.results.is_empty(), "{}", test.id);
        for r in &test.results {
            assert!(
                interpreters.contains(&r.interpreter.as_str()),
                "{}",
                r.interpreter
            );
            assert!(
                r.summary().is_some() != r.skipped.is_some(),
                "{} on {}: samples or a reason, not both or neither",
                test.id,
                r.interpreter
            );
        }
    }
}

#[test]
fn the_observed_cell_is_the_median_of_the_samples() {
    let data = litmus();
    let test = &data.litmus[0];
    let with_samples = test.results.iter().find(|r| r.summary().is_some()).unwrap();
    let mut samples = with_samples.samples.clone();
    samples.sort_by(f64::total_cmp);
    let (median, low, high) = with_samples.summary().unwrap();
    assert_eq!(low, samples[0]);
    assert_eq!(high, *samples.last().unwrap());
    assert!(samples.iter().filter(|&&x| x <= median).count() * 2 >= samples.len());
    assert!(samples.iter().filter(|&&x| x >= median).count() * 2 >= samples.len());
    let cell = data.cell(&[test.id.as_str()]);
    assert!(cell.starts_with(&format!("`{}`", test.id)), "{cell}");
    assert_eq!(data.cell(&[]), "no observable consequence measured");
}
