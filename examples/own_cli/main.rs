//! A crate's own command line over its own model plus gilcheck's: `cargo run --example own_cli
//! -- list`, `... -- check counter --variant racy --threads 2`, `... -- prove --only counter
//! --out DIR`. Written only against gilcheck's public API, as a crate that depends on it would.

use gilcheck::model::{Config, Model, Property};
use gilcheck::registry::{ModelEntry, Registered};

gilcheck::variants! {
    /// How a thread adds one to a shared counter.
    pub enum CounterVariant {
        /// `with lock: counter += 1`: the load and the store are one step.
        Locked => ("locked", Real, "the increment under a lock: one step"),
        /// `counter += 1` without a lock, with a switch between the load and the store.
        Racy => ("racy", Bad, "load, then store: another thread may store in between"),
    }
}

/// Each thread adds one to a shared counter, once.
pub struct Counter {
    variant: CounterVariant,
    threads: usize,
}

/// (counter, each thread's loaded value or `None` before its load, each thread done)
type State = (u8, [Option<u8>; 4], [bool; 4]);

impl Model for Counter {
    type State = State;
    /// (thread, is the store)
    type Action = (usize, bool);

    fn init_states(&self) -> Vec<State> {
        vec![(0, [None; 4], [false; 4])]
    }

    fn actions(&self, s: &State, out: &mut Vec<(usize, bool)>) {
        let to_do = (0..self.threads).filter(|&t| !s.2[t]);
        out.extend(to_do.map(|t| (t, s.1[t].is_some())));
    }

    fn next_state(&self, s: &State, &(t, store): &(usize, bool)) -> State {
        let mut s = *s;
        match (self.variant, store) {
            (CounterVariant::Locked, _) => (s.0, s.2[t]) = (s.0 + 1, true),
            (CounterVariant::Racy, false) => s.1[t] = Some(s.0),
            (CounterVariant::Racy, true) => (s.0, s.2[t]) = (s.1[t].unwrap_or(0) + 1, true),
        }
        s
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::always(
            "CTR-S1",
            "when every thread is done, the counter equals the number of threads",
            "the user's program: counter += 1 in each thread",
            |m: &Counter, s: &State| {
                !s.2[..m.threads].iter().all(|&d| d) || s.0 as usize == m.threads
            },
        )]
    }

    fn is_final(&self, s: &State) -> bool {
        s.2[..self.threads].iter().all(|&d| d)
    }

    fn actor(&self, &(t, _): &(usize, bool)) -> Option<usize> {
        Some(t)
    }

    fn thread_count(&self) -> usize {
        self.threads
    }
}

impl Registered for Counter {
    type Variant = CounterVariant;

    fn build(variant: CounterVariant, config: &Config) -> Counter {
        Counter {
            variant,
            threads: config.threads,
        }
    }
}

fn main() {
    let counter = ModelEntry::of::<Counter>("counter", "counter += 1 in each thread", 4, 2)
        .with_source("examples/own_cli/main.rs");
    std::process::exit(gilcheck::cli::main_with(vec![counter]));
}
