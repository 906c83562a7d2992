//! `gilcheck replay` confirms what a saved trace claims, not only that its steps are allowed:
//! the violation in its last state, the deadlock, the fair cycle of a lasso, the witness. A
//! trace whose claim does not hold exits 1 and says which claim failed; a trace that is not one
//! (unknown property or backend) exits 2.

#[path = "common/bin.rs"]
mod bin;
#[path = "common/dirs.rs"]
mod dirs;

use bin::gilcheck;
use dirs::scratch;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Saves the traces of `check gil --variant VARIANT --threads N` into a fresh directory.
fn traces(name: &str, variant: &str, threads: &str) -> PathBuf {
    let dir = scratch(name);
    let out = dir.join("t");
    let (code, _, stderr) = gilcheck(&[
        "check",
        "gil",
        "--variant",
        variant,
        "--threads",
        threads,
        "--save-traces",
        out.to_str().unwrap(),
    ]);
    assert!(code == 0 || code == 1, "{stderr}");
    out
}

fn read(file: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

/// Writes `trace` next to the others as `name` and replays it: (exit code, stdout, stderr).
fn replay_edited(dir: &Path, name: &str, trace: &Value) -> (i32, String, String) {
    let file = dir.parent().unwrap().join(name);
    std::fs::write(&file, trace.to_string()).unwrap();
    gilcheck(&["replay", file.to_str().unwrap()])
}

fn confirmed((code, stdout, stderr): (i32, String, String), needle: &str) {
    assert_eq!(code, 0, "{stdout}{stderr}");
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("confirmed: ") && last.contains(needle),
        "{last}"
    );
}

fn not_confirmed((code, stdout, stderr): (i32, String, String), needle: &str) {
    assert_eq!(code, 1, "{stdout}{stderr}");
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("NOT confirmed: ") && last.contains(needle),
        "{last}"
    );
}

#[test]
fn a_safety_counterexample_is_confirmed_and_a_cut_one_is_not() {
    let dir = traces("replay-safety", "no-gil", "2");
    let file = dir.join("GIL-S1.json");
    confirmed(
        gilcheck(&["replay", file.to_str().unwrap()]),
        "the last state violates GIL-S1",
    );
    let mut cut = read(&file);
    cut["steps"].as_array_mut().unwrap().pop();
    not_confirmed(
        replay_edited(&dir, "cut.json", &cut),
        "does not violate GIL-S1",
    );
    let mut empty = read(&file);
    empty["steps"] = Value::Array(Vec::new());
    not_confirmed(
        replay_edited(&dir, "empty.json", &empty),
        "does not violate GIL-S1",
    );
}

#[test]
fn a_deadlock_is_confirmed_only_where_no_thread_can_move() {
    let dir = traces("replay-deadlock", "handoff-under-mutex", "2");
    let file = dir.join("GIL-S3.json");
    confirmed(gilcheck(&["replay", file.to_str().unwrap()]), "deadlock");
    let mut cut = read(&file);
    cut["steps"].as_array_mut().unwrap().pop();
    not_confirmed(replay_edited(&dir, "cut.json", &cut), "no deadlock");
}

#[test]
fn a_lasso_is_confirmed_only_when_its_cycle_closes_and_is_fair() {
    let dir = traces("replay-lasso", "cpython-3.11", "3");
    let file = dir.join("GIL-L2.json");
    confirmed(
        gilcheck(&["replay", file.to_str().unwrap()]),
        "GIL-L2: a cycle fair under strong-thread repeats forever",
    );
    let lasso = read(&file);
    let steps = lasso["steps"].as_array().unwrap().len();

    let mut past_end = lasso.clone();
    past_end["cycle"] = (steps + 3).into();
    not_confirmed(replay_edited(&dir, "past.json", &past_end), "the trace has");

    let mut cut = lasso.clone();
    cut["steps"].as_array_mut().unwrap().pop();
    not_confirmed(
        replay_edited(&dir, "cut.json", &cut),
        "does not return to its start",
    );

    // The same run claimed fair under strong fairness per step: some waiter's step is enabled
    // in the cycle and never taken.
    let mut stronger = lasso.clone();
    stronger["fairness"] = "strong-action".into();
    not_confirmed(
        replay_edited(&dir, "stronger.json", &stronger),
        "is not fair under strong-action",
    );
}

#[test]
fn a_witness_is_confirmed() {
    let dir = traces("replay-witness", "cpython-3.11", "2");
    confirmed(
        gilcheck(&["replay", dir.join("GIL-R1.json").to_str().unwrap()]),
        "the last step witnesses GIL-R1",
    );
}

#[test]
fn a_trace_naming_an_unknown_property_or_backend_is_bad_input() {
    let dir = traces("replay-bad", "no-gil", "2");
    let trace = read(&dir.join("GIL-S1.json"));
    let mut unknown_property = trace.clone();
    unknown_property["property"] = "GIL-S99".into();
    let mut unknown_backend = trace.clone();
    unknown_backend["meta"]["backend"] = "tla".into();
    let mut wrong_claim = trace.clone();
    wrong_claim["claim"] = "witness".into();
    for (name, edited, needle) in [
        ("property.json", unknown_property, "GIL-S99"),
        ("backend.json", unknown_backend, "unknown backend 'tla'"),
        (
            "claim.json",
            wrong_claim,
            "cannot have a trace of kind Witness",
        ),
    ] {
        let (code, stdout, stderr) = replay_edited(&dir, name, &edited);
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(needle), "{stderr}");
    }
}
