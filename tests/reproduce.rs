//! `gilcheck reproduce`: how a trace becomes a plan, the errors before any run, the checked-in
//! measurements against the property pages, and a forced run on Debian's python3.11 (gdb and
//! python3.11-dbg are installed with apt-get when missing, as .ci/run does).

#[path = "common/apt.rs"]
mod apt;
#[path = "common/bin.rs"]
mod bin;

use bin::gilcheck;
use gilcheck::explore::{replay_trace, Options, Replayed, Verdict};
use gilcheck::model::Model;
use gilcheck::models::gil::{machine, GilVariant, Handoff};
use gilcheck::reproduce::force::Outcome;
use gilcheck::reproduce::record::{records, section};
use gilcheck::reproduce::{plan, Fields, OnMachine, Oracle, Plan, Point, Stop};
use gilcheck::variant::Variants;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// The GIL model of `variant` at `threads`, and its counterexample to `id` replayed on it.
fn counterexample(variant: &str, threads: usize, id: &str) -> (Handoff, Replayed<Handoff>) {
    let entry = gilcheck::models::find("gil").unwrap();
    let config = entry.config(threads);
    let report = entry
        .check(
            entry.variant(Some(variant)).unwrap(),
            &config,
            &Options::default(),
        )
        .unwrap();
    let result = report.result(id).unwrap();
    assert_eq!(result.verdict, Verdict::Violated, "{id} on {variant}");
    let model = Handoff::new(GilVariant::from_name(variant).unwrap(), &config);
    let replayed = replay_trace(&model, result.trace.as_ref().unwrap()).unwrap();
    (model, replayed)
}

fn plan_of(variant: &str, id: &str) -> (Handoff, Replayed<Handoff>, Plan) {
    let scenario = machine::scenario(id).unwrap();
    let (model, replayed) = counterexample(variant, scenario.roles.len(), id);
    let plan = plan(
        &model,
        &replayed,
        None,
        0,
        scenario.roles,
        scenario.oracle.clone(),
    )
    .unwrap();
    (model, replayed, plan)
}

#[test]
fn a_trace_becomes_one_block_per_run_of_a_thread_with_the_models_fields() {
    for variant in ["gh-96387-3.9.2", "gh-96387-3.11.2", "gh-96387-3.13.5"] {
        let (model, replayed, plan) = plan_of(variant, "GIL-X1");
        let steps: Vec<usize> = plan.blocks.iter().flat_map(|b| b.steps.clone()).collect();
        assert_eq!(
            steps,
            (1..=replayed.path.len()).collect::<Vec<_>>(),
            "{variant}"
        );
        for pair in plan.blocks.windows(2) {
            assert_ne!(
                pair[0].thread, pair[1].thread,
                "{variant}: blocks alternate"
            );
        }
        for (i, block) in plan.blocks.iter().enumerate() {
            for &step in &block.steps {
                let actor = model.actor(&replayed.path[step - 1].0);
                assert_eq!(actor, Some(block.thread), "{variant} step {step}");
            }
            let last = &replayed.path[*block.steps.last().unwrap() - 1].1;
            // The first block runs free (the program's setup); every other is checked.
            let expect = (i > 0).then(|| model.fields(last));
            assert_eq!(block.expect, expect, "{variant} block {i}");
        }
        // The main thread's last stop is the violating wait: blocked on switch_cond.
        let main_last = plan.blocks.iter().rev().find(|b| b.thread == 0).unwrap();
        assert_eq!(main_last.stop.kind, Stop::Blocked);
        assert_eq!(main_last.stop.functions, ["pthread_cond_wait"]);
        assert_eq!(main_last.stop.callers, ["drop_gil"]);
    }
}

#[test]
fn a_lasso_is_forced_round_after_round_from_where_a_free_run_stops() {
    let scenario = machine::scenario("GIL-L2").unwrap();
    for variant in ["cpython-3.11", "cpython-3.13"] {
        let entry = gilcheck::models::find("gil").unwrap();
        let report = entry
            .check(
                entry.variant(Some(variant)).unwrap(),
                &entry.config(3),
                &Options::default(),
            )
            .unwrap();
        let trace = report.result("GIL-L2").unwrap().trace.clone().unwrap();
        let cycle = trace.cycle.expect("a lasso");
        let (model, replayed) = counterexample(variant, 3, "GIL-L2");
        let plan = plan(
            &model,
            &replayed,
            Some(cycle),
            2,
            scenario.roles,
            scenario.oracle.clone(),
        )
        .unwrap();
        // One setup block per thread, the first free and the others with the fields where
        // the rotated cycle starts.
        let setup: Vec<_> = plan
            .blocks
            .iter()
            .take_while(|b| b.steps.is_empty())
            .collect();
        assert_eq!(setup.len(), 3, "{variant}");
        assert!(setup[0].expect.is_none());
        assert!(setup[1..]
            .iter()
            .all(|b| b.expect == setup[1].expect && b.expect.is_some()));
        // Then every step of the cycle, once per round, in the trace's order from where the
        // free run stops (a drop_gil while the others wait).
        let cycle_len = replayed.path.len() - cycle;
        for round in 1..=2 {
            let steps: Vec<usize> = plan
                .blocks
                .iter()
                .filter(|b| b.round == round)
                .flat_map(|b| b.steps.clone())
                .collect();
            assert_eq!(steps.len(), cycle_len, "{variant} round {round}");
            let mut sorted = steps.clone();
            sorted.sort();
            assert_eq!(
                sorted,
                (cycle + 1..=replayed.path.len()).collect::<Vec<_>>()
            );
            let first = steps[0] - 1;
            let state = if first == 0 {
                &replayed.init
            } else {
                &replayed.path[first - 1].1
            };
            assert!(
                model.free_start(state, &replayed.path[first].0),
                "{variant}"
            );
        }
        assert_eq!(plan.blocks.last().unwrap().round, 2);
    }
}

#[test]
fn the_fields_follow_the_model_state() {
    let (model, replayed, _) = plan_of("gh-96387-3.11.2", "GIL-X1");
    let fields: Vec<Fields> = replayed.path.iter().map(|(_, s)| model.fields(s)).collect();
    assert_eq!(fields[0]["locked"], 1);
    assert_eq!(fields[0]["last_holder"], 0);
    assert!(fields.iter().any(|f| f["drop_request"] == 1));
    assert_eq!(fields.last().unwrap()["finalizing"], 1);
    assert_eq!(fields.last().unwrap()["locked"], 0);
}

/// A model that knows no place in the interpreter for anything.
struct Nowhere(Handoff);

impl Model for Nowhere {
    type State = <Handoff as Model>::State;
    type Action = <Handoff as Model>::Action;
    fn init_states(&self) -> Vec<Self::State> {
        self.0.init_states()
    }
    fn actions(&self, s: &Self::State, out: &mut Vec<Self::Action>) {
        self.0.actions(s, out)
    }
    fn next_state(&self, s: &Self::State, a: &Self::Action) -> Self::State {
        self.0.next_state(s, a)
    }
    fn properties(&self) -> Vec<gilcheck::model::Property<Self>> {
        Vec::new()
    }
    fn format_action(&self, a: &Self::Action) -> String {
        self.0.format_action(a)
    }
    fn format_state(&self, s: &Self::State) -> String {
        self.0.format_state(s)
    }
    fn actor(&self, a: &Self::Action) -> Option<usize> {
        self.0.actor(a)
    }
}

impl OnMachine for Nowhere {
    fn before(&self, _: &Self::State, _: &Self::Action) -> Option<Point> {
        None
    }
    fn after(&self, _: &Self::State, _: &Self::Action) -> Option<Point> {
        None
    }
    fn fields(&self, _: &Self::State) -> Fields {
        Fields::new()
    }
    fn free_start(&self, _: &Self::State, _: &Self::Action) -> bool {
        false
    }
}

#[test]
fn a_step_after_which_a_thread_has_nowhere_to_stop_is_refused_by_name() {
    let (model, replayed) = counterexample("gh-96387-3.9.2", 2, "GIL-X1");
    let nowhere = Nowhere(model);
    let replayed = Replayed {
        init: replayed.init,
        path: replayed.path,
    };
    let oracle = Oracle::Hang {
        thread: 0,
        stack: &[],
        wait: 1.0,
    };
    let err = plan(&nowhere, &replayed, None, 0, &["main", "spawned-1"], oracle).unwrap_err();
    assert!(
        err.starts_with("after step 2 (take_gil: clear drop request, unlock mutex) T0"),
        "{err}"
    );
}

#[test]
fn reproduce_refuses_before_running_anything() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["reproduce", "GIL-Q9", "--variant", "x"],
            "unknown property ID 'GIL-Q9'",
        ),
        (
            &["reproduce", "GIL-L1", "--variant", "cpython-3.11"],
            "reproduce has no program for GIL-L1",
        ),
        (
            &[
                "reproduce",
                "GIL-X1",
                "--variant",
                "gh-96387-reset-under-mutex",
            ],
            "GIL-X1 holds on gil/gh-96387-reset-under-mutex at 2 threads",
        ),
        (
            &["reproduce", "GIL-X1", "--variant", "no-such-variant"],
            "unknown variant",
        ),
        (
            &[
                "reproduce",
                "GIL-X1",
                "--variant",
                "gh-96387-3.9.2",
                "--python",
                "/bin/true",
            ],
            "no debug symbols for take_gil in /bin/true",
        ),
    ];
    for (args, message) in cases {
        let (code, stdout, stderr) = gilcheck(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn reproduce_without_gdb_says_how_to_install_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
        .args(["reproduce", "GIL-X1", "--variant", "gh-96387-3.9.2"])
        .args(["--python", "/usr/bin/python3.11"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("apt-get install gdb"), "{stderr}");
}

#[test]
fn reproduce_writes_no_evidence_over_a_directory_it_did_not_write() {
    let dir = std::env::temp_dir().join(format!("gilcheck-reproduce-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mine = dir.join("notes.txt");
    std::fs::write(&mine, "mine").unwrap();
    let (code, _, stderr) = gilcheck(&[
        "reproduce",
        "GIL-X1",
        "--variant",
        "gh-96387-3.9.2",
        "--save",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "mine");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn each_measurement_is_on_its_property_page_as_the_data_says() {
    let records = records();
    assert!(
        !records.is_empty(),
        "bench/reproduce/forced.json has records"
    );
    let proofs = Path::new(env!("CARGO_MANIFEST_DIR")).join("proofs");
    for id in ["GIL-X1", "GIL-S3"] {
        let page = std::fs::read_to_string(proofs.join(format!("{id}.md"))).unwrap();
        let start = page.find("## On real interpreters").expect("the section");
        let end = page[start + 3..]
            .find("\n## ")
            .map_or(page.len(), |i| start + 4 + i);
        let shown = &page[start..end];
        let rendered = section(&records, id, &|_, _| String::new()).unwrap();
        // The model column comes from the catalogue; every other cell from the data.
        for r in records.iter().filter(|r| r.property == id) {
            let forced = r.forced.as_ref().unwrap();
            assert!(
                shown.contains(&forced.detail.replace('|', "\\|")),
                "{id}: {}",
                r.variant
            );
            assert!(
                shown.contains(&format!("`{}`", r.command)),
                "{id}: {}",
                r.command
            );
            assert!(rendered.contains(&r.command));
        }
        assert_eq!(
            shown.matches("\n| `").count(),
            rendered.matches("\n| `").count(),
            "{id}: one row per record"
        );
    }
}

#[test]
fn the_measurements_reach_the_hang_on_every_release_measured_and_diverge_where_the_trace_is_impossible(
) {
    let records = records();
    let reached: Vec<&str> = records
        .iter()
        .filter(|r| r.forced.as_ref().unwrap().outcome == Outcome::Reached)
        .map(|r| r.version.as_str())
        .collect();
    for release in ["3.9.18", "3.11.2", "3.11.7", "3.12.1", "3.13.0"] {
        assert!(
            reached.iter().any(|v| v.starts_with(release)),
            "no forced hang on {release}: {reached:?}"
        );
    }
    // The unfixed release's trace (3.9.2) cannot happen on a fixed one: the run leaves it.
    assert!(records.iter().any(|r| r.variant == "gh-96387-3.9.2"
        && r.version.starts_with("3.11")
        && r.forced.as_ref().unwrap().outcome == Outcome::Diverged));
}

/// gdb and Debian's python3.11 with its symbols, installed if need be (checked once: gdb
/// takes seconds to load the symbols).
fn debian_python_with_symbols() -> &'static str {
    static READY: OnceLock<()> = OnceLock::new();
    let python = "/usr/bin/python3.11";
    READY.get_or_init(|| ready_or_installed(python));
    python
}

fn ready_or_installed(python: &str) {
    let ready = || {
        Command::new("gdb").arg("--version").output().is_ok()
            && Command::new("gdb")
                .args(["-nx", "-batch", "-ex", "info scope take_gil", python])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).starts_with("Scope"))
    };
    if !ready() {
        apt::install(&["gdb", "python3.11", "python3.11-dbg"]);
    }
    assert!(
        ready(),
        "this test needs gdb and Debian's python3.11 with symbols: apt-get install gdb \
         python3.11-dbg (as root)"
    );
}

#[test]
fn the_gh_96387_trace_forced_on_debians_python_3_11_hangs_it() {
    let python = debian_python_with_symbols();
    let (code, stdout, stderr) = gilcheck(&[
        "--json",
        "reproduce",
        "GIL-X1",
        "--variant",
        "gh-96387-3.11.2",
        "--python",
        python,
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let record: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(record["forced"]["outcome"], "reached", "{stdout}");
    let stack = record["forced"]["backtraces"]["T0"].to_string();
    assert!(stack.contains("drop_gil"), "{stack}");
    let checkpoints = record["forced"]["checkpoints"].as_array().unwrap();
    assert_eq!(checkpoints.len(), 6);
    assert!(checkpoints
        .iter()
        .all(|c| c["matches"] == true || c["steps"][0] == 1));
}

#[test]
fn the_unfixed_trace_cannot_be_forced_on_a_fixed_release() {
    let python = debian_python_with_symbols();
    let (code, stdout, stderr) = gilcheck(&[
        "reproduce",
        "GIL-X1",
        "--variant",
        "gh-96387-3.9.2",
        "--python",
        python,
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("forced: diverged: T1 ended before"),
        "{stdout}"
    );
}

#[test]
fn the_bypass_lasso_forced_on_debians_python_3_11_starves_the_waiter_owed_the_gil() {
    let python = debian_python_with_symbols();
    let (code, stdout, stderr) = gilcheck(&[
        "--json",
        "reproduce",
        "GIL-L2",
        "--variant",
        "cpython-3.11",
        "--threads",
        "3",
        "--rounds",
        "2",
        "--python",
        python,
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let record: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(record["forced"]["outcome"], "reached", "{stdout}");
    assert_eq!(record["rounds"], 2);
    let checkpoints = record["forced"]["checkpoints"].as_array().unwrap();
    assert!(checkpoints[1..].iter().all(|c| c["matches"] == true));
    assert!(checkpoints.iter().all(|c| c["fields"]["last_holder"] != 0));
}

#[test]
fn a_saved_counterexample_is_reproduced_with_its_own_variant_and_bounds() {
    let dir =
        std::env::temp_dir().join(format!("gilcheck-reproduce-traces-{}", std::process::id()));
    let (code, _, stderr) = gilcheck(&[
        "check",
        "gil",
        "--variant",
        "gh-96387-3.11.2",
        "--threads",
        "2",
        "--property",
        "GIL-X1,GIL-S1",
        "--save-traces",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let trace = dir.join("GIL-X1.json");
    let (code, stdout, stderr) = gilcheck(&[
        "--json",
        "reproduce",
        "--trace",
        trace.to_str().unwrap(),
        "--no-force",
        "--python",
        debian_python_with_symbols(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let record: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(record["property"], "GIL-X1");
    assert_eq!(record["variant"], "gh-96387-3.11.2");
    assert_eq!(record["threads"], 2);
    assert!(record["command"].as_str().unwrap().contains("--trace"));
    // The trace names its property: another ID is refused, and so is a file that is no trace.
    let (code, _, stderr) = gilcheck(&["reproduce", "GIL-L2", "--trace", trace.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("the trace is about GIL-X1, not GIL-L2"),
        "{stderr}"
    );
    let not_a_trace = dir.join("notes.txt");
    std::fs::write(&not_a_trace, "{}").unwrap();
    let (code, _, stderr) = gilcheck(&["reproduce", "--trace", not_a_trace.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a gilcheck trace"), "{stderr}");
    std::fs::remove_file(&not_a_trace).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
