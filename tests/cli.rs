//! The command line: exit codes, one-line errors, readable traces.

#[path = "common/bin.rs"]
mod bin;

use bin::gilcheck;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

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
    for id in ["GIL-S1", "GIL-S3", "GIL-R1", "GIL-L1", "GIL-L2"] {
        let line = stdout.lines().find(|l| l.contains(id)).unwrap();
        assert!(line.contains("holds"), "{line}");
    }
    // cpython-3.11 as modelled never finalizes: the shutdown property says nothing there.
    let line = stdout.lines().find(|l| l.contains("GIL-X1")).unwrap();
    assert!(line.contains("vacuous"), "{line}");
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
        "model 'gil' has no setting 'objects' (it has: finite, spurious-wakeups)",
    );
    one_line_error(
        &["check", "gil", "--finite=7"],
        "--finite is a flag, not '7'",
    );
    one_line_error(
        &["check", "gil", "--set", "nope=1"],
        "model 'gil' has no setting 'nope'",
    );
    one_line_error(&["check", "io", "--symmetry"], "has no thread symmetry");
}

#[test]
fn a_limit_is_reported_as_inconclusive_with_exit_3() {
    let (code, stdout, stderr) =
        gilcheck(&["check", "gil", "--threads", "4", "--max-states", "40"]);
    assert_eq!(code, 3);
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
    assert_eq!(code, 3, "{stdout}");
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
            "--objects",
            "1",
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

/// Asserts exit 3 (inconclusive), `INCOMPLETE` in the header, the limit named in the JSON
/// report and the inconclusive properties named on stderr.
fn inconclusive(args: &[&str]) {
    let (code, stdout, stderr) = gilcheck(args);
    assert_eq!(code, 3, "{args:?}: {stdout}{stderr}");
    assert!(
        stdout.lines().take(2).any(|l| l.contains("INCOMPLETE")),
        "{stdout}"
    );
    assert!(stderr.contains("inconclusive: "), "{stderr}");
    let mut json = args.to_vec();
    json.push("--json");
    let (code, stdout, _) = gilcheck(&json);
    assert_eq!(code, 3, "{json:?}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(report["limit"].is_string(), "{json:?}: {}", report["limit"]);
    assert!(report["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["verdict"] == "inconclusive" && r["limit"].is_string()));
}

#[test]
fn a_limit_that_cuts_the_search_or_only_the_liveness_graph_is_inconclusive() {
    inconclusive(&["check", "gil", "--threads", "2", "--max-seconds", "0"]);
    inconclusive(&["check", "gil", "--threads", "2", "--max-memory", "0"]);
    inconclusive(&["check", "asyncio", "--max-memory", "0"]);
    inconclusive(&ONLY_THE_GRAPH_CUT);
    inconclusive(&["check", "gil", "--threads", "6", "--max-memory", "30"]);
}

/// 90 states with symmetry, 499 without: the search ends, the graph for liveness does not.
const ONLY_THE_GRAPH_CUT: [&str; 7] = [
    "check",
    "gil",
    "--threads",
    "3",
    "--symmetry",
    "--max-states",
    "91",
];

#[test]
fn a_decided_verdict_next_to_a_limit_says_what_it_rests_on() {
    let (code, stdout, _) = gilcheck(&ONLY_THE_GRAPH_CUT);
    assert_eq!(code, 3);
    let line = stdout.lines().find(|l| l.contains("GIL-S1")).unwrap();
    assert!(
        line.contains("holds") && line.contains("rests on the search"),
        "{line}"
    );
    let line = stdout.lines().find(|l| l.contains("GIL-L1")).unwrap();
    assert!(
        line.contains("inconclusive") && line.contains("state limit 91"),
        "{line}"
    );
}

#[test]
fn a_state_limit_equal_to_the_state_count_is_no_limit() {
    let (code, stdout, _) = gilcheck(&["check", "gil", "--threads", "3", "--max-states", "499"]);
    assert_eq!(code, 1, "GIL-L1 is violated at 3 threads: {stdout}");
    assert!(
        stdout.lines().next().unwrap().ends_with("(exhaustive)"),
        "{stdout}"
    );
    assert!(!stdout.contains("INCOMPLETE"), "{stdout}");
}

#[test]
fn one_deadline_bounds_the_whole_command() {
    // gil at 7 threads takes far longer than a second to search and analyse.
    let start = std::time::Instant::now();
    let (code, _, stderr) = gilcheck(&["check", "gil", "--threads", "7", "--max-seconds", "1"]);
    let took = start.elapsed().as_secs_f64();
    assert_eq!(code, 3, "{stderr}");
    // Unbounded, the search and the liveness analysis take minutes.
    assert!(took < 15.0, "a 1 s budget took {took:.1} s");
    // prove shares one deadline between its searches: with none left, nothing is decided.
    let (code, _, stderr) = gilcheck(&["prove", "--only", "gil", "--max-seconds", "0"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("time limit 0 s reached"), "{stderr}");
}

#[test]
fn explain_exits_3_when_a_row_is_inconclusive() {
    let (code, stdout, stderr) = gilcheck(&["explain", "GIL-S1", "--max-states", "3"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.contains("inconclusive"), "{stdout}");
    assert!(stderr.contains("searches cut short"), "{stderr}");
}

#[test]
fn a_closed_pipe_or_a_full_device_is_an_io_error_not_a_panic() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
        .args(["check", "gil", "--threads", "4", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first.trim(), "{");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
        .arg("list")
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot write standard output"), "{stderr}");
}

#[test]
fn out_of_range_workers_and_seconds_are_bad_input() {
    one_line_error(&["check", "gil", "--workers", "100000"], "give 1 to 256");
    one_line_error(&["check", "gil", "--workers", "0"], "give 1 to 256");
    one_line_error(
        &["check", "gil", "--max-seconds=-1"],
        "not a number of seconds",
    );
    one_line_error(
        &["check", "gil", "--max-seconds", "NaN"],
        "not a number of seconds",
    );
    one_line_error(&["bench", "--workers", "100000"], "give 1 to 256");
}

#[test]
fn a_property_whose_trigger_never_occurs_is_vacuous_not_violated() {
    // IO-X1's trigger needs a CPU-bound thread (a third thread).
    let (code, stdout, _) = gilcheck(&["check", "io", "--threads", "2"]);
    assert_eq!(code, 0, "{stdout}");
    let line = stdout.lines().find(|l| l.contains("IO-X1")).unwrap();
    assert!(
        line.contains("vacuous") && line.contains("never occurs: its trigger"),
        "{line}"
    );
    // One thread: the GIL never passes and nobody requests a drop.
    let (code, stdout, _) = gilcheck(&["check", "gil", "--threads", "1"]);
    assert_eq!(code, 0, "{stdout}");
    for (id, premise) in [
        ("GIL-R1", "a second thread runs"),
        ("GIL-R2", "a drop request is made"),
    ] {
        let line = stdout.lines().find(|l| l.contains(id)).unwrap();
        assert!(line.contains("vacuous") && line.contains(premise), "{line}");
    }
}
