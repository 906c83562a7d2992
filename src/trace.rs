//! One trace format for every backend (explicit checker, loom, shuttle, random walks): a list of
//! steps, each naming the thread and the action's stable label, plus the key state after it.

use crate::model::{Config, Fairness, Model};
use crate::timeline::Frame;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Which model, variant and configuration a trace belongs to, and which backend produced it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceMeta {
    /// Model name as registered (`gil`).
    pub model: String,
    /// Variant name (`cpython-3.11`).
    pub variant: String,
    /// The configuration the model was instantiated with.
    pub config: Config,
    /// The backend that found it: `explicit`, `loom`, `shuttle-random`, `shuttle-pct`, ...
    pub backend: String,
}

/// One step: a thread performs an action and reaches a state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Thread that acted (`None` for the environment).
    pub thread: Option<usize>,
    /// The action's stable label (`Model::format_action`).
    pub action: String,
    /// Key state after the step (`Model::format_state`).
    pub state: String,
    /// What the timeline picture shows of that state (`Model::frame`).
    #[serde(default, skip_serializing_if = "Frame::is_empty")]
    pub frame: Frame,
}

/// The backends that write traces (`TraceMeta::backend`).
pub const BACKENDS: [&str; 7] = [
    "explicit",
    "loom",
    "shuttle-random",
    "shuttle-pct",
    "std",
    "quickcheck",
    "proptest",
];

/// What a trace claims to show; `gilcheck replay` confirms it on the specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Claim {
    /// A run whose steps the specification allows; nothing more is claimed (a twin run that
    /// its own checker stopped, for example loom's race detector, which the spec cannot see).
    Run,
    /// A counterexample to `property`: the last state violates the safety property or is a
    /// deadlock; for liveness a fair lasso (or a run that stops) on which the response never
    /// comes after the trigger; for counting, a run whose counted steps break the claim.
    Violation,
    /// A witness for `property`: the last state (or step) shows the reachability property, or
    /// the run counts steps from a trigger to a response as the counting property claims.
    Witness,
    /// A twin run whose last step the specification does not allow (a refinement failure).
    Refused,
    /// A twin run that finished in a state where the specification has not.
    Unfinished,
    /// A twin run in which some thread counts more steps of the counting `property` than
    /// `bound`, the most the explicit checker computed.
    Exceeds {
        /// The explicit checker's bound.
        bound: usize,
    },
}

/// A counterexample or witness.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// Where the trace comes from.
    pub meta: TraceMeta,
    /// The property it refutes or witnesses, if any.
    pub property: Option<String>,
    /// What it shows (about `property`, where it names one).
    pub claim: Claim,
    /// For a liveness counterexample: the fairness its run is fair under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fairness: Option<Fairness>,
    /// What the last state shows (the violation, or the witnessed situation).
    pub outcome: String,
    /// Key state of the initial state.
    pub init: String,
    /// What the timeline picture shows of the initial state.
    #[serde(default, skip_serializing_if = "Frame::is_empty")]
    pub init_frame: Frame,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// For a lasso (a liveness counterexample): the index of the first step of the cycle;
    /// the steps from there on repeat forever (the last returns to the state before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<usize>,
}

impl Trace {
    /// Builds a trace from a concrete path through `model`.
    pub fn from_path<M: Model>(
        model: &M,
        meta: TraceMeta,
        init: &M::State,
        path: &[(M::Action, M::State)],
    ) -> Trace {
        Trace {
            meta,
            property: None,
            claim: Claim::Run,
            fairness: None,
            outcome: String::new(),
            init: model.format_state(init),
            init_frame: model.frame(init),
            steps: path
                .iter()
                .map(|(action, state)| Step {
                    thread: model.actor(action),
                    action: model.format_action(action),
                    state: model.format_state(state),
                    frame: model.frame(state),
                })
                .collect(),
            cycle: None,
        }
    }

    /// Marks the trace as a counterexample to property `id` that shows `outcome`.
    pub fn about(mut self, id: &str, outcome: String) -> Trace {
        self.property = Some(id.to_string());
        self.outcome = outcome;
        self.claim = Claim::Violation;
        self
    }

    /// Marks the trace as a witness for its property rather than a counterexample.
    pub fn witnessing(mut self) -> Trace {
        self.claim = Claim::Witness;
        self
    }

    /// Records the fairness the trace's run is fair under.
    pub fn under(mut self, fairness: Fairness) -> Trace {
        self.fairness = Some(fairness);
        self
    }

    /// Marks the trace as a counterexample to property `id`.
    pub fn violating(self, id: &str, statement: &str) -> Trace {
        self.about(id, format!("violates {id}: {statement}"))
    }

    /// A readable per-step listing.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let m = &self.meta;
        let _ = writeln!(
            out,
            "trace of {} / {} ({}) from {}{}",
            m.model,
            m.variant,
            m.config.bounds(),
            m.backend,
            self.property
                .as_deref()
                .map(|p| format!(", property {p}"))
                .unwrap_or_default()
        );
        let _ = writeln!(out, "  init            {}", self.init);
        for (i, step) in self.steps.iter().enumerate() {
            if self.cycle == Some(i) {
                let _ = writeln!(
                    out,
                    "  --- cycle: steps {}..{} repeat forever ---",
                    i + 1,
                    self.steps.len()
                );
            }
            let who = step.thread.map_or("env".to_string(), |t| format!("T{t}"));
            let _ = writeln!(out, "  {:>3}. {:<4} {}", i + 1, who, step.action);
            let _ = writeln!(out, "       {:<4} -> {}", "", step.state);
        }
        if let Some(start) = self.cycle {
            let _ = writeln!(out, "  --- back to the state after step {start} ---");
        }
        if !self.outcome.is_empty() {
            let _ = writeln!(out, "  => {}", self.outcome);
        }
        out
    }

    /// Reads a trace saved as JSON (`to_json`).
    pub fn from_json(text: &str) -> Result<Trace, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The trace as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a trace always serialises")
    }
}
