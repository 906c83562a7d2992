//! Installing a Debian package a test needs, as .ci/run does.

#![allow(dead_code)]

use std::process::{Command, Stdio};

/// `apt-get update && apt-get install -y PACKAGES`, quietly; any failure shows up as the
/// package still missing.
pub fn install(packages: &[&str]) {
    let quiet = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let _ = quiet(&["-qq", "update"]) && quiet(&[&["-qq", "install", "-y"], packages].concat());
}
