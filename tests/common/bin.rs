//! Runs the `gilcheck` binary: (exit code, stdout, stderr).

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// `gilcheck ARGS...`, run to completion.
pub fn gilcheck(args: &[&str]) -> (i32, String, String) {
    gilcheck_in(Path::new("."), args)
}

/// `gilcheck ARGS...` run in directory `dir`, to completion.
pub fn gilcheck_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gilcheck"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().expect("exited"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
