//! What a check returns: one verdict per property, the search statistics and the limits hit.

use crate::trace::Trace;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The verdict of one property in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Exhaustively checked within the stated bounds (for `R` properties: a witness was found).
    Holds,
    /// A counterexample exists (for `R` properties: the whole space was searched without one).
    Violated,
    /// A state, time or memory limit ended the check before the property was decided.
    Inconclusive,
    /// The property's trigger or premise never occurs in this configuration: it holds
    /// trivially, proves nothing, and is never cited as evidence.
    Vacuous,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Vacuous => "vacuous",
        })
    }
}

/// The result for one property.
#[derive(Clone, Debug, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// For an inconclusive verdict: the limit that left it undecided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// For a vacuous verdict: what never occurs (the premise, or the trigger).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub never: Option<String>,
    /// What the verdict rests on: the search, or the whole state graph.
    pub basis: Basis,
}

/// The part of a check a verdict rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// The search (safety, deadlock, reachability), with symmetry reduction if it was on.
    Search,
    /// The whole state graph without symmetry reduction (liveness, counting).
    Graph,
}

impl PropertyResult {
    /// A result with `verdict` and nothing else yet.
    pub fn new(id: &str, statement: &str, verdict: Verdict) -> PropertyResult {
        PropertyResult {
            id: id.to_string(),
            statement: statement.to_string(),
            verdict,
            trace: None,
            numbers: None,
            assumptions: Vec::new(),
            limit: None,
            never: None,
            basis: Basis::Search,
        }
    }

    /// An inconclusive result: `limit` left it undecided.
    pub fn inconclusive(id: &str, statement: &str, limit: &str) -> PropertyResult {
        let mut result = PropertyResult::new(id, statement, Verdict::Inconclusive);
        result.limit = Some(limit.to_string());
        result
    }

    /// A vacuous result: what the property needs (`never`) never occurs.
    pub fn vacuous(id: &str, statement: &str, never: &str) -> PropertyResult {
        let mut result = PropertyResult::new(id, statement, Verdict::Vacuous);
        result.never = Some(never.to_string());
        result
    }

    /// The result in one line: ID, verdict, statement, then the numbers, the limit that left
    /// it undecided or what never occurred.
    pub fn line(&self) -> String {
        let mut detail = self.numbers.map(|n| format!(" ({n})")).unwrap_or_default();
        if let Some(limit) = &self.limit {
            detail.push_str(&format!(" [{limit}]"));
        }
        if let Some(never) = &self.never {
            detail.push_str(&format!(" [never occurs: {never}]"));
        }
        format!(
            "{:<8} {:<12} {}{detail}",
            self.id,
            self.verdict.to_string(),
            self.statement
        )
    }

    /// The verdict with what it rests on, e.g. `inconclusive (time limit 5 s reached)` or
    /// `holds (min 1, max 3)`.
    pub fn verdict_text(&self) -> String {
        let detail = match (&self.limit, &self.never, self.numbers) {
            (Some(limit), _, _) => Some(limit.clone()),
            (_, Some(never), _) => Some(format!("never: {never}")),
            (_, _, Some(numbers)) => Some(numbers.to_string()),
            _ => None,
        };
        match detail {
            Some(detail) => format!("{} ({detail})", self.verdict),
            None => self.verdict.to_string(),
        }
    }
}

/// What a counting property measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, Serialize, Deserialize)]
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
    /// Whether the search visited every reachable state (the safety and reachability verdicts
    /// rest on it).
    pub exhaustive: bool,
    /// The whole state graph, built without symmetry reduction, on which the liveness and
    /// counting verdicts rest (`None` when no such property was checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graph: Option<GraphStats>,
    /// `None` when every part of the check ran to completion, else the first limit that cut
    /// one short (then some verdicts are inconclusive).
    pub limit: Option<String>,
    /// One entry per property, in the model's order.
    pub results: Vec<PropertyResult>,
}

/// The size of the state graph that liveness and counting verdicts rest on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GraphStats {
    /// States in the graph (every reachable state when `limit` is `None`).
    pub states: usize,
    /// Its edges.
    pub transitions: usize,
    /// `None` when the graph is complete, else the limit that stopped building it.
    pub limit: Option<String>,
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

    /// The properties left inconclusive.
    pub fn inconclusive(&self) -> Vec<&str> {
        self.results
            .iter()
            .filter(|r| r.verdict == Verdict::Inconclusive)
            .map(|r| r.id.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Numbers, PropertyResult, Report, Verdict};

    #[test]
    fn a_verdict_reads_with_what_it_rests_on() {
        let words: Vec<String> = [
            Verdict::Holds,
            Verdict::Violated,
            Verdict::Inconclusive,
            Verdict::Vacuous,
        ]
        .iter()
        .map(Verdict::to_string)
        .collect();
        assert_eq!(words, ["holds", "violated", "inconclusive", "vacuous"]);
        let mut result = PropertyResult::new("X-S1", "x", Verdict::Violated);
        assert_eq!(result.verdict_text(), "violated");
        result.numbers = Some(Numbers {
            min: Some(1),
            max: Some(3),
        });
        assert_eq!(result.verdict_text(), "violated (min 1, max 3)");
        result.never = Some("its trigger".into());
        assert_eq!(result.verdict_text(), "violated (never: its trigger)");
        result.limit = Some("time limit 5 s reached".into());
        assert_eq!(result.verdict_text(), "violated (time limit 5 s reached)");
        let none = Numbers {
            min: None,
            max: None,
        };
        assert_eq!(none.to_string(), "min none, max unbounded");
    }

    fn report(results: Vec<PropertyResult>) -> Report {
        Report {
            states: 10,
            transitions: 20,
            depth: 3,
            seconds: 4.0,
            memory_bytes: 0,
            symmetry: false,
            exhaustive: true,
            graph: None,
            limit: None,
            results,
        }
    }

    #[test]
    fn a_report_finds_results_by_id_and_lists_the_inconclusive_ones() {
        let report = report(vec![
            PropertyResult::new("X-S1", "x", Verdict::Holds),
            PropertyResult::new("X-L1", "x", Verdict::Inconclusive),
            PropertyResult::new("X-L2", "x", Verdict::Violated),
            PropertyResult::new("X-L3", "x", Verdict::Inconclusive),
        ]);
        assert_eq!(report.result("X-L2").map(|r| r.id.as_str()), Some("X-L2"));
        assert_eq!(report.verdict("X-S1"), Some(Verdict::Holds));
        assert_eq!(report.verdict("X-S9"), None);
        assert_eq!(report.inconclusive(), ["X-L1", "X-L3"]);
        assert_eq!(report.states_per_second(), 2.5);
    }
}
