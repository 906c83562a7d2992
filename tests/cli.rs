//! The command line: exit codes, one-line errors, readable traces.

#[path = "common/bin.rs"]
mod bin;

use bin::gilcheck;

fn one_line_error(args: &[&str], needle: &str) {
    let (code, stdout, stderr) = gilcheck(args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(stdout.is_empty(), "{args:?} printed {stdout}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
}

#[test]
fn check_of_the_default_variant_with_2_threads_exits_0() {
    let (code, stdout, _) = gilcheck(&["check", "gil", "--threads", "2"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("31 states"), "{stdout}");
    for id in ["GIL-S1", "GIL-S3", "GIL-R1", "GIL-L1", "GIL-L2", "GIL-X1"] {
        let line = stdout.lines().find(|l| l.contains(id)).unwrap();
        assert!(line.contains("holds"), "{line}");
    }
    assert!(stdout.contains("liveness verdicts assume:"), "{stdout}");
    assert!(stdout.contains("strong fairness per thread"), "{stdout}");
}

#[test]
fn with_3_threads_a_waiter_is_bypassed_forever() {
    let (code, stdout, _) = gilcheck(&["check", "gil", "--threads", "3"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("499 states"), "{stdout}");
    let line = stdout.lines().find(|l| l.contains("GIL-L2")).unwrap();
    assert!(line.contains("violated"), "{line}");
    let trace = stdout
        .split("counterexample for GIL-L2")
        .nth(1)
        .expect("an L2 lasso");
    assert!(trace.contains("--- cycle: steps"), "{trace}");
    assert!(
        trace.contains("--- back to the state after step"),
        "{trace}"
    );
}

#[test]
fn check_no_gil_exits_1_with_a_shortest_trace() {
    let (code, stdout, _) = gilcheck(&["check", "gil", "--variant", "no-gil", "--threads", "2"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("counterexample for GIL-S1 (3 steps, shortest)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("T1   take_gil: fast path -> acquire"),
        "{stdout}"
    );
    assert!(stdout.contains("=> violates GIL-S1"));
}

#[test]
fn check_refcount_no_gil_shows_the_lost_update() {
    let (code, stdout, _) =
        gilcheck(&["check", "refcount", "--variant", "no-gil", "--threads", "2"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("2 threads, 2 objects"), "{stdout}");
    let trace = stdout
        .split("counterexample for RC-S1")
        .nth(1)
        .expect("an RC-S1 counterexample");
    let trace = trace.split("=> violates RC-S1").next().unwrap();
    for thread in ["T0", "T1"] {
        assert!(
            trace.contains(&format!(
                "{thread}   x0 = G[0]: Py_INCREF(obj0) reads ob_refcnt = 1"
            )),
            "{trace}"
        );
    }
    assert!(trace.contains("writes ob_refcnt(obj0) = 2"), "{trace}");
}

#[test]
fn json_output_is_a_report() {
    let (code, stdout, _) = gilcheck(&["check", "gil", "--threads", "2", "--json"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["states"], 31);
    assert_eq!(report["results"][0]["id"], "GIL-S1");
    assert_eq!(report["results"][0]["verdict"], "holds");
}

#[test]
fn bad_input_gets_one_line_and_exit_2() {
    one_line_error(&["check", "nosuch"], "unknown model 'nosuch'");
    one_line_error(
        &["check", "gil", "--variant", "nosuch"],
        "unknown variant 'nosuch'",
    );
    one_line_error(&["check", "gil", "--threads", "9"], "takes 1 to 8 threads");
    one_line_error(&["check", "gil", "--threads", "0"], "takes 1 to 8 threads");
    one_line_error(&["check", "gil", "--frobnicate"], "--frobnicate");
    one_line_error(&["bogus"], "bogus");
    one_line_error(
        &["check", "refcount", "--objects", "9"],
        "takes 1 to 3 objects",
    );
    one_line_error(
        &["check", "gil", "--objects", "2"],
        "model 'gil' has no objects",
    );
    one_line_error(
        &["check", "refcount", "--symmetry"],
        "has no thread symmetry",
    );
}

#[test]
fn a_limit_is_reported_as_inconclusive_with_exit_2() {
    let (code, stdout, stderr) =
        gilcheck(&["check", "gil", "--threads", "4", "--max-states", "40"]);
    assert_eq!(code, 2);
    assert!(stdout.contains("INCOMPLETE"), "{stdout}");
    for id in ["GIL-S1", "GIL-S2", "GIL-S3"] {
        let line = stdout.lines().find(|l| l.contains(id)).unwrap();
        assert!(line.contains("inconclusive"), "{line}");
    }
    assert!(stderr.contains("state limit 40 reached"), "{stderr}");
}

#[test]
fn list_names_models_variants_and_properties() {
    let (code, stdout, _) = gilcheck(&["list"]);
    assert_eq!(code, 0);
    for needle in [
        "gil:",
        "cpython-3.11",
        "no-gil",
        "no-force-switch",
        "GIL-S3",
        "GIL-R2",
        "refcount:",
        "objects 1..=3",
        "RC-S5",
    ] {
        assert!(stdout.contains(needle), "{needle}");
    }
}

#[test]
fn the_memory_guard_stops_a_search_as_inconclusive() {
    let (code, stdout, stderr) = gilcheck(&["check", "gil", "--threads", "5", "--max-memory", "1"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("INCOMPLETE"), "{stdout}");
    let line = stdout.lines().find(|l| l.contains("GIL-S1")).unwrap();
    assert!(line.contains("inconclusive"), "{line}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("memory limit 1 MiB reached"), "{stderr}");
}

#[test]
fn check_of_chosen_properties_only() {
    let (code, stdout, _) = gilcheck(&[
        "check",
        "gil",
        "--threads",
        "3",
        "--property",
        "GIL-S1,GIL-S3",
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("499 states"), "{stdout}");
    assert!(
        stdout.contains("GIL-S1") && stdout.contains("GIL-S3"),
        "{stdout}"
    );
    assert!(!stdout.contains("GIL-L2"), "{stdout}");
    one_line_error(
        &["check", "gil", "--property", "GIL-S9"],
        "model 'gil' has no property 'GIL-S9'",
    );
}

#[test]
fn results_do_not_depend_on_the_number_of_workers() {
    let with = |workers: &str| {
        gilcheck(&[
            "check",
            "refcount",
            "--variant",
            "no-gil",
            "--threads",
            "3",
            "--workers",
            workers,
            "--json",
        ])
    };
    let (one, two) = (with("1"), with("2"));
    let strip = |json: &str| {
        let mut report: serde_json::Value = serde_json::from_str(json).unwrap();
        report["seconds"] = 0.into();
        report
    };
    assert_eq!(one.0, 1);
    assert_eq!(strip(&one.1), strip(&two.1));
}
