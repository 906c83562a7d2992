//! A crate that depends on gilcheck runs the whole command line over its own model and the
//! built-in ones with one call (`gilcheck::cli::main_with`): `examples/own_cli/` is such a
//! crate, written only against the public API. Its binary lists, checks and proves its model.

#[path = "common/dirs.rs"]
mod dirs;

use std::path::PathBuf;
use std::process::Command;

/// The example's binary, which `cargo test` builds beside this test's.
fn own_cli() -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let profile = deps.parent().unwrap().parent().unwrap();
    profile.join("examples").join("own_cli")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(own_cli()).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_crates_own_model_is_listed_checked_and_proved_beside_the_built_in_ones() {
    let (code, stdout, _) = run(&["list"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("counter: counter += 1 in each thread"),
        "{stdout}"
    );
    assert!(
        stdout.contains("gil: "),
        "the built-in models are there too: {stdout}"
    );

    let (code, stdout, _) = run(&["check", "counter", "--variant", "racy", "--threads", "2"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("CTR-S1   violated"), "{stdout}");
    let (code, stdout, _) = run(&["check", "counter", "--threads", "3"]);
    assert_eq!(code, 0, "{stdout}");

    let out = dirs::scratch("own-cli").join("proofs");
    let (code, _, stderr) = run(&["prove", "--only", "counter", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let page = std::fs::read_to_string(out.join("CTR-S1.md")).unwrap();
    // The page links the crate's own file and reproduces with the crate's own program.
    assert!(
        page.contains("[examples/own_cli/main.rs](../examples/own_cli/main.rs)"),
        "{page}"
    );
    assert!(
        page.contains("`own_cli check counter --variant racy --threads 2`"),
        "{page}"
    );
    assert!(page.contains("Non-vacuity: violated by `racy`"), "{page}");
}
