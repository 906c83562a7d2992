//! gilcheck never removes, moves or overwrites a file it did not write: `prove --out` and
//! `check --save-traces` replace only a directory they wrote themselves, refuse anything else
//! before searching, leave nothing behind when they fail, and two runs writing one place leave
//! one complete set.

#[path = "common/bin.rs"]
mod bin;
#[path = "common/dirs.rs"]
mod dirs;

use bin::{gilcheck, gilcheck_in};
use dirs::{scratch, tree};
use std::path::Path;

/// The names in `dir` (not recursive), sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Asserts a refusal: exit 2, one line on stderr naming `needle`, nothing on stdout.
fn refused((code, stdout, stderr): (i32, String, String), needle: &str) {
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "{stderr}");
}

#[test]
fn prove_refuses_a_directory_holding_a_users_files_and_touches_nothing() {
    let dir = scratch("user-dir");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("mydata.txt"), "keep").unwrap();
    std::fs::write(dir.join("sub/notes.md"), "mine").unwrap();
    let before = tree(&dir);
    refused(
        gilcheck(&["prove", "--only", "cext", "--out", dir.to_str().unwrap()]),
        "holds files gilcheck did not write",
    );
    assert_eq!(tree(&dir), before);
    assert_eq!(
        names(dir.parent().unwrap())
            .iter()
            .filter(|n| n.contains("user-dir"))
            .count(),
        1
    );
}

#[test]
fn plain_prove_refuses_a_proofs_directory_with_a_users_file() {
    let work = scratch("cwd-with-proofs");
    std::fs::create_dir_all(work.join("proofs")).unwrap();
    std::fs::write(work.join("proofs/mine.txt"), "keep").unwrap();
    refused(gilcheck_in(&work, &["prove"]), "mine.txt");
    assert_eq!(names(&work), ["proofs"]);
    assert_eq!(
        std::fs::read_to_string(work.join("proofs/mine.txt")).unwrap(),
        "keep"
    );
}

#[test]
fn prove_refuses_a_file_as_its_target_and_moves_nothing() {
    let dir = scratch("out-is-a-file");
    let file = dir.join("proofs");
    std::fs::write(&file, "my file").unwrap();
    refused(
        gilcheck(&["prove", "--only", "cext", "--out", file.to_str().unwrap()]),
        "is not a directory",
    );
    assert_eq!(names(&dir), ["proofs"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "my file");
}

#[test]
fn prove_replaces_its_own_catalogue_and_fills_an_empty_directory() {
    let dir = scratch("own-catalogue");
    let out = dir.join("cat");
    std::fs::create_dir(&out).unwrap();
    let run = || gilcheck(&["prove", "--only", "cext", "--out", out.to_str().unwrap()]);
    let (code, _, stderr) = run();
    assert_eq!(code, 0, "{stderr}");
    let first = tree(&out);
    assert!(first.contains_key(".gilcheck-files") && first.contains_key("CEXT-S1.md"));
    // A file gilcheck wrote and the user changed is gilcheck's to replace; the second run
    // writes the same catalogue again, and leaves no sibling behind.
    std::fs::write(out.join("CEXT-S1.md"), "edited").unwrap();
    let (code, _, stderr) = run();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(tree(&out), first);
    assert_eq!(names(&dir), ["cat"]);
}

#[test]
fn two_proves_into_one_directory_at_once_each_leave_a_complete_catalogue() {
    let dir = scratch("concurrent");
    let out = dir.join("cat");
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_gilcheck"))
            .args(["prove", "--only", "io", "--out", out.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    });
    for run in [&a, &b] {
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let written = tree(&out);
    let listed: Vec<&str> = written[".gilcheck-files"]
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect();
    let mut present: Vec<&str> = written.keys().map(String::as_str).collect();
    present.sort_unstable();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort_unstable();
    assert_eq!(
        present, listed_sorted,
        "the catalogue is exactly its listing"
    );
    assert!(present.len() > 10, "{present:?}");
    assert_eq!(names(&dir), ["cat"], "no sibling left behind");
}

#[test]
fn save_traces_refuses_an_unwritable_place_before_searching() {
    let dir = scratch("traces-unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    // gil at 8 threads takes far longer than a minute to search and analyse: only a refusal
    // that comes first ends the command in time.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gilcheck"))
        .args(["check", "gil", "--threads", "8", "--save-traces"])
        .arg(file.join("traces"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed().as_secs() > 60 {
            child.kill().unwrap();
            panic!("the command searched before refusing its target");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    refused(
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr,
        ),
        "cannot write",
    );
    assert_eq!(names(&dir), ["a-file"]);
}

#[test]
fn save_traces_writes_one_runs_set_and_never_mixes_runs() {
    let dir = scratch("traces-sets");
    let traces = dir.join("t");
    let save = |variant: &str| {
        gilcheck(&[
            "check",
            "gil",
            "--variant",
            variant,
            "--threads",
            "2",
            "--save-traces",
            traces.to_str().unwrap(),
        ])
    };
    assert_eq!(save("no-gil").0, 1);
    assert!(tree(&traces).contains_key("GIL-S1.json"));
    // The default variant violates nothing at 2 threads: its set has only witnesses.
    assert_eq!(save("cpython-3.11").0, 0);
    let second = tree(&traces);
    assert!(!second.contains_key("GIL-S1.json"), "{:?}", second.keys());
    assert!(second.contains_key("GIL-R1.json"));
    // A directory with a user's file is refused, untouched.
    std::fs::write(traces.join("mine.json"), "{}").unwrap();
    refused(save("no-gil"), "mine.json");
    assert!(tree(&traces).contains_key("mine.json"));
}

#[test]
fn verdicts_write_refuses_a_file_without_markers_and_leaves_it() {
    let dir = scratch("verdicts-write");
    let readme = dir.join("README.md");
    std::fs::write(&readme, "no markers here\n").unwrap();
    refused(
        gilcheck(&["verdicts", "--write", readme.to_str().unwrap()]),
        "has no verdict markers",
    );
    assert_eq!(names(&dir), ["README.md"]);
    assert_eq!(
        std::fs::read_to_string(&readme).unwrap(),
        "no markers here\n"
    );
}
