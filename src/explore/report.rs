//! What a check returns: one verdict per property, the search statistics and the limits hit.

use crate::trace::Trace;
use serde::Serialize;
use std::fmt;

/// The verdict of one property in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Exhaustively checked within the stated bounds (for `R` properties: a witness was found).
    Holds,
    /// A counterexample exists (for `R` properties: the whole space was searched without one).
    Violated,
    /// A state or time limit ended the search before the property was decided.
    Inconclusive,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Inconclusive => "inconclusive",
        })
    }
}

/// The result for one property.
#[derive(Clone, Debug, Serialize)]
pub struct PropertyResult {
    /// Stable property ID.
    pub id: String,
    /// The property in one sentence.
    pub statement: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Counterexample (safety) or witness (reachability), shortest in steps; for liveness a
    /// lasso (prefix and cycle).
    pub trace: Option<Trace>,
    /// For counting properties: the fewest and most counted steps (`None` for the most:
    /// unbounded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numbers: Option<Numbers>,
    /// For liveness: the fairness and environment assumptions the verdict holds under.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
}

/// What a counting property measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Numbers {
    /// Fewest counted steps from a trigger to a response (`None`: no trigger reaches one).
    pub min: Option<usize>,
    /// Most counted steps (`None`: unbounded).
    pub max: Option<usize>,
}

impl fmt::Display for Numbers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |n: Option<usize>, none: &str| n.map_or(none.to_string(), |n| n.to_string());
        write!(
            f,
            "min {}, max {}",
            show(self.min, "none"),
            show(self.max, "unbounded")
        )
    }
}

/// The outcome of one exhaustive search.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Distinct states stored (canonical representatives when symmetry is on).
    pub states: usize,
    /// Transitions explored.
    pub transitions: usize,
    /// Length of the longest shortest path from an initial state.
    pub depth: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Bytes held by the visited set (states, parents, index table).
    pub memory_bytes: usize,
    /// Whether symmetry reduction was used.
    pub symmetry: bool,
    /// `None` when the search was exhaustive, else which limit ended it.
    pub limit: Option<String>,
    /// One entry per property, in the model's order.
    pub results: Vec<PropertyResult>,
}

impl Report {
    /// States per second of this run.
    pub fn states_per_second(&self) -> f64 {
        self.states as f64 / self.seconds.max(1e-9)
    }

    /// The result for property `id`.
    pub fn result(&self, id: &str) -> Option<&PropertyResult> {
        self.results.iter().find(|r| r.id == id)
    }

    /// The verdict for property `id`.
    pub fn verdict(&self, id: &str) -> Option<Verdict> {
        self.result(id).map(|r| r.verdict)
    }
}
