//! gilcheck: precise state-machine models of CPython's Global Interpreter Lock, checked by an
//! explicit-state checker, by loom and shuttle on executable twins, and by model-based tests.
//!
//! The engine (`model`, `explore`, `exec`, `trace`) knows nothing about CPython; the models
//! under `models/` do.

#![warn(missing_docs)]

pub mod cli;
pub mod exec;
pub mod explore;
pub mod model;
pub mod proofs;
pub mod registry;
pub mod timeline;
pub mod trace;
pub mod verdicts;

#[path = "../models/mod.rs"]
pub mod models;
