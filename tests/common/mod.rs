//! Helpers shared by the twin tests.

use gilcheck::exec::{TwinFailure, TwinStats};

/// The stats of a passing check; a failure panics with its trace.
pub fn passes(result: Result<TwinStats, Box<TwinFailure>>) -> TwinStats {
    match result {
        Ok(stats) => {
            assert!(stats.executions > 0, "{} ran nothing", stats.backend);
            stats
        }
        Err(f) => panic!("{}: {}\n{}", f.backend, f.message, f.trace.to_text()),
    }
}

/// The failure of a check that must fail.
pub fn fails(result: Result<TwinStats, Box<TwinFailure>>) -> Box<TwinFailure> {
    match result {
        Ok(stats) => panic!(
            "{} passed {} executions of a bad variant",
            stats.backend, stats.executions
        ),
        Err(failure) => failure,
    }
}
