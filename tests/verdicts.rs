//! The verdict table of the seed's claims in README.md is what the checker computes now.

use gilcheck::models::claims::{claims, splice, table};

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
