//! Runs the `gilcheck` binary: (exit code, stdout, stderr).

use std::process::Command;

/// `gilcheck ARGS...`, run to completion.
pub fn gilcheck(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().expect("exited"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
