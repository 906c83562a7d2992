//! The catalogue: `gilcheck prove` regenerates proofs/ exactly as committed (the freshness
//! test), its pages and pictures say what the checker found, and `explain` and `replay` work on
//! it.

#[path = "common/bin.rs"]
mod bin;
#[path = "common/dirs.rs"]
mod dirs;

use bin::gilcheck;
use dirs::{scratch, tree};
use std::path::Path;

#[test]
fn prove_regenerates_the_committed_catalogue() {
    let out = scratch("prove").join("proofs");
    let (code, stdout, stderr) = gilcheck(&["prove", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    // The table and the non-vacuity listing.
    assert!(stdout.contains("GIL-S1   no-gil"), "{stdout}");
    assert!(stdout.contains("GIL-S3   handoff-under-mutex"), "{stdout}");
    assert!(
        stdout.contains("RC-S5    missing-incref-loop-3.11"),
        "{stdout}"
    );
    assert!(!stdout.contains("NONE"), "{stdout}");
    assert!(stdout.contains("assumption sensitivity (gil / cpython-3.11, 3 threads)"));

    let generated = tree(&out);
    let committed = tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("proofs"));
    let stale: Vec<&String> = generated
        .iter()
        .filter(|(path, text)| committed.get(*path) != Some(text))
        .map(|(path, _)| path)
        .collect();
    let extra: Vec<&String> = committed
        .keys()
        .filter(|path| !generated.contains_key(*path))
        .collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "proofs/ is stale (run `cargo run --release -- prove`): differs or missing: {stale:?}; \
         no longer generated: {extra:?}"
    );
    // No timings in the checked-in files.
    assert!(!generated["manifest.toml"].contains("seconds"));

    // Every property of the catalogue has a page; the index links each.
    let catalogue = gilcheck::catalogue();
    assert!(catalogue.len() > 30);
    for cited in catalogue {
        let id = cited.property.id;
        assert!(generated.contains_key(&format!("{id}.md")), "{id}");
        assert!(
            generated["index.html"].contains(&format!("href=\"{id}.md\"")),
            "{id}"
        );
    }
}

/// Shares of a plan run apart and merged give the catalogue of one run, file for file; a share
/// missing, given twice or of another plan is refused with one line, and nothing is written.
#[test]
fn shares_merged_make_the_catalogue_of_one_run() {
    let dir = scratch("shards");
    let at = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (code, _, stderr) = gilcheck(&["prove", "--only", "gil", "--out", &at("whole")]);
    assert_eq!(code, 0, "{stderr}");
    for i in 1..=3 {
        let share = format!("{i}/3");
        let out = at(&format!("share-{i}"));
        let (code, _, stderr) =
            gilcheck(&["prove", "--only", "gil", "--shard", &share, "--out", &out]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains(&format!("share {share}: searches")),
            "{stderr}"
        );
    }
    let shares = [at("share-1"), at("share-2"), at("share-3")];
    let merge = |shares: &[&str], out: &str| {
        let mut args = vec!["prove", "--merge"];
        args.extend(shares);
        args.extend(["--out", out]);
        gilcheck(&args)
    };
    let all: Vec<&str> = shares.iter().map(String::as_str).collect();
    let (code, _, stderr) = merge(&all, &at("merged"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(tree(&dir.join("merged")), tree(&dir.join("whole")));

    let refused = |shares: &[&str], why: &str| {
        let (code, stdout, stderr) = merge(shares, &at("refused"));
        assert_eq!(code, 2, "{shares:?}: {stdout}{stderr}");
        assert!(
            stderr.contains(why) && stderr.lines().count() == 1,
            "{stderr}"
        );
        assert!(!dir.join("refused").exists());
    };
    refused(&all[..2], "2 of 3 shares given");
    refused(&[all[0], all[1], all[1]], "share 2 is given twice");
    refused(&[all[0], &at("whole")], "cannot read shard.json");
    let (code, _, stderr) = gilcheck(&["prove", "--only", "gil", "--shard", "4/3"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("expected I/N with 1 <= I <= N"), "{stderr}");
    let (code, _, stderr) = gilcheck(&["prove", "--shard", "1/2"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--shard needs --out DIR"), "{stderr}");
}

/// `prove` says, per model, how many searches of each bound set ended exhaustive and the
/// largest bound set decided for every variant.
#[test]
fn prove_names_the_largest_bounds_decided() {
    let (code, stdout, _) = gilcheck(&["prove", "--only", "gil"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("  3 threads, symmetry: 14 of 14 searches exhaustive"),
        "{stdout}"
    );
    assert!(
        stdout.contains("largest decided for every variant: 3 threads"),
        "{stdout}"
    );
    // Some of the 3-thread searches need more than 600 states.
    let (code, stdout, _) = gilcheck(&["prove", "--only", "gil", "--max-states", "600"]);
    assert_eq!(code, 3);
    assert!(
        stdout.contains("largest decided for every variant: 2 threads"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("3 threads, symmetry: 14 of 14"),
        "{stdout}"
    );
}

#[test]
fn a_page_has_verdicts_commands_and_a_timeline_per_counterexample() {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("proofs/GIL-S1.md"))
            .unwrap();
    for needle in [
        "# GIL-S1",
        "**Mirrors**: Python/ceval_gil",
        "| `no-gil` | bad variant | 2 threads, symmetry | violated |",
        "`gilcheck check gil --variant no-gil --threads 2 --symmetry`",
        "Non-vacuity: violated by `no-gil`",
        "![timeline of the counterexample](svg/GIL-S1-no-gil-2t.svg)",
    ] {
        assert!(page.contains(needle), "{needle}\n{page}");
    }
    // The picture of the no-gil counterexample: two lanes, both holding the GIL at the end,
    // the last step boxed in red.
    let svg = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("proofs/svg/GIL-S1-no-gil-2t.svg"),
    )
    .unwrap();
    assert!(svg.contains(">T0<") && svg.contains(">T1<"), "{svg}");
    let last_row = svg
        .rsplit("<g>")
        .next()
        .unwrap()
        .split("</g>")
        .next()
        .unwrap();
    assert_eq!(last_row.matches("holds the GIL").count(), 2, "{last_row}");
    assert!(svg.contains("stroke=\"#c62828\""), "{svg}");
}

#[test]
fn a_lasso_picture_marks_the_cycle() {
    let svg = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("proofs/svg/GIL-L2-cpython-3.11-3t.svg"),
    )
    .unwrap();
    assert!(svg.contains("repeat forever"), "{svg}");
    assert!(svg.contains(">T2<"), "{svg}");
}

#[test]
fn explain_prints_the_page_and_refuses_an_unknown_id() {
    let (code, stdout, stderr) = gilcheck(&["explain", "GIL-S1"]);
    assert_eq!(code, 0, "{stderr}");
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("proofs/GIL-S1.md"))
            .unwrap();
    assert_eq!(stdout, page);
    let (code, stdout, stderr) = gilcheck(&["explain", "GIL-S99"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unknown property ID 'GIL-S99'"), "{stderr}");
}

#[test]
fn prove_into_an_unwritable_place_fails_with_one_line_and_writes_nothing() {
    let dir = scratch("unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let out = file.join("proofs");
    let (code, _, stderr) =
        gilcheck(&["prove", "--only", "GIL-S1", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert_eq!(tree(&dir).len(), 1, "only the file is there");
}

#[test]
fn prove_only_narrows_and_json_is_machine_readable() {
    let (code, stdout, stderr) = gilcheck(&["prove", "--only", "IO-S1", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let runs: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let runs = runs.as_array().unwrap();
    assert!(!runs.is_empty());
    assert!(runs.iter().all(|r| r["model"] == "io"));
    assert!(runs.iter().any(|r| r["variant"] == "blocking-with-gil"
        && r["report"]["results"][0]["verdict"] == "violated"));
    assert!(stderr.contains("not rewritten"), "{stderr}");
    let (code, _, stderr) = gilcheck(&["prove", "--only", "NOPE"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no model or property ID"), "{stderr}");
}

#[test]
fn replay_confirms_saved_traces_and_names_the_first_refused_step() {
    let dir = scratch("replay");
    let (code, _, stderr) = gilcheck(&[
        "check",
        "gil",
        "--variant",
        "no-gil",
        "--threads",
        "2",
        "--save-traces",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    // A counterexample replays, and replay confirms the violation.
    let counterexample = dir.join("GIL-S1.json");
    let (code, stdout, _) = gilcheck(&["replay", counterexample.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("confirmed: the last state violates GIL-S1"),
        "{stdout}"
    );
    // A witness of the default variant replays cleanly.
    let witnesses = dir.join("default");
    let (code, _, stderr) = gilcheck(&[
        "check",
        "gil",
        "--threads",
        "2",
        "--save-traces",
        witnesses.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let witness = witnesses.join("GIL-R1.json");
    let (code, stdout, _) = gilcheck(&["replay", witness.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("confirmed: the last step witnesses GIL-R1"),
        "{stdout}"
    );

    // The counterexample on the default variant: its first step that needs no GIL is refused.
    let text = std::fs::read_to_string(&counterexample).unwrap();
    let mut trace: serde_json::Value = serde_json::from_str(&text).unwrap();
    trace["meta"]["variant"] = "cpython-3.11".into();
    let moved = dir.join("moved.json");
    std::fs::write(&moved, trace.to_string()).unwrap();
    let (code, stdout, _) = gilcheck(&["replay", moved.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("NOT confirmed: step "), "{stdout}");
    assert!(stdout.contains("is not enabled"), "{stdout}");

    // Bad files: one line, exit 2.
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    trace["meta"]["model"] = "nosuch".into();
    let unknown = dir.join("unknown.json");
    std::fs::write(&unknown, trace.to_string()).unwrap();
    for (file, needle) in [
        (garbage, "is not a gilcheck trace"),
        (unknown, "unknown model 'nosuch'"),
        (dir.join("missing.json"), "cannot read"),
    ] {
        let (code, stdout, stderr) = gilcheck(&["replay", file.to_str().unwrap()]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(needle), "{stderr}");
    }
}
