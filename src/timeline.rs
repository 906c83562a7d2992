//! What a trace's pictures show of each state: one activity per thread and a few named shared
//! facts (the drop request, a reference count, a global). Models fill a `Frame` per state
//! (`Model::frame`); traces carry it, so a picture can be drawn from any saved trace.

use serde::{Deserialize, Serialize};

/// What one thread is doing, as the timeline colours it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activity {
    /// Not started, or between steps that the picture does not distinguish.
    #[default]
    Idle,
    /// Asking for the GIL (in `take_gil`, not yet waiting).
    Takes,
    /// Waiting for the GIL (a condition-variable wait in `take_gil`, or a queue).
    Waits,
    /// Holding the GIL and running Python code; without a GIL, running Python code.
    Holds,
    /// Giving the GIL up (`drop_gil`, including its wait for the hand-off).
    Drops,
    /// Running without the GIL: blocked in I/O, C code, or blocked on a lock.
    Detached,
    /// Finished.
    Done,
}

impl Activity {
    /// Every activity, in legend order.
    pub const ALL: [Activity; 7] = [
        Activity::Holds,
        Activity::Takes,
        Activity::Waits,
        Activity::Drops,
        Activity::Detached,
        Activity::Idle,
        Activity::Done,
    ];

    /// The activity in a few words (legend and tooltips).
    pub fn describe(self) -> &'static str {
        match self {
            Activity::Idle => "idle",
            Activity::Takes => "calls take_gil",
            Activity::Waits => "waits for the GIL",
            Activity::Holds => "holds the GIL, runs Python",
            Activity::Drops => "in drop_gil",
            Activity::Detached => "runs without the GIL (I/O, C)",
            Activity::Done => "finished",
        }
    }
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
    /// Each thread's activity, thread 0 first.
    pub threads: Vec<Activity>,
    /// Shared facts, in a fixed order per model.
    pub facts: Vec<Fact>,
}

impl Frame {
    /// Whether the frame says nothing (models without a picture hook).
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty() && self.facts.is_empty()
    }
}
