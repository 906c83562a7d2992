//! What a trace's pictures show of each state: one activity per thread and a few named shared
//! facts. The model says what its activities are (a `Legend`: name, words, colour) and fills a
//! `Frame` per state (`Model::frame`); traces carry the frames, so a picture can be drawn from
//! any saved trace with its model's legend.

pub mod svg;

use serde::{Deserialize, Serialize};

/// One thing a thread can be doing, as a model's pictures colour it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Activity {
    /// Its name in frames (`holds`, `waits`).
    pub name: &'static str,
    /// What it means, for the legend and tooltips.
    pub describe: &'static str,
    /// Its colour (`#rrggbb`).
    pub colour: &'static str,
}

/// A model's activities, in legend order.
pub type Legend = &'static [Activity];

/// The activities of a thread that has not started or has finished, for any legend.
pub const IDLE: Activity = Activity {
    name: "idle",
    describe: "idle",
    colour: "#eeeeee",
};

/// See `IDLE`.
pub const DONE: Activity = Activity {
    name: "done",
    describe: "finished",
    colour: "#9e9e9e",
};

/// The activity named `name` in `legend` (`IDLE` when it has none of that name).
pub fn activity(legend: Legend, name: &str) -> Activity {
    legend
        .iter()
        .copied()
        .find(|a| a.name == name)
        .unwrap_or(IDLE)
}

/// A named piece of shared state and its value; an empty value means "absent" (not drawn).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// What it is (`drop request`, `ob_refcnt o0`).
    pub name: String,
    /// Its value (`set`, `2`), or empty.
    pub value: String,
}

impl Fact {
    /// A fact named `name` with `value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Fact {
        Fact {
            name: name.into(),
            value: value.into(),
        }
    }

    /// A flag: drawn as `set` while `on`, absent otherwise.
    pub fn flag(name: impl Into<String>, on: bool) -> Fact {
        Fact::new(name, if on { "set" } else { "" })
    }
}

/// What the picture shows of one state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// Each thread's activity by name (see the model's legend), thread 0 first.
    pub threads: Vec<String>,
    /// Shared facts, in a fixed order per model.
    pub facts: Vec<Fact>,
}

impl Frame {
    /// Whether the frame says nothing (models without a picture hook).
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty() && self.facts.is_empty()
    }
}
