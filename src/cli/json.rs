//! The JSON reporter: what a script reads. Every command's result is one JSON document.

use super::report::{Bench, Checked, Reporter, Reproduction};
use crate::config::SettingKind;
use crate::models::claims::ClaimVerdict;
use crate::proofs::{Catalogue, Run};
use crate::registry::{ModelEntry, PropertyInfo, Replay};
use serde_json::{json, Value};

/// JSON, pretty-printed.
pub struct Json;

/// `value` as pretty JSON, with a final newline.
fn document(value: Value) -> String {
    serde_json::to_string_pretty(&value).expect("JSON values serialise") + "\n"
}

fn property(p: &PropertyInfo) -> Value {
    json!({
        "id": p.id,
        "statement": p.statement,
        "source": p.source,
        "liveness": p.liveness,
    })
}

/// The runs of `catalogue`, each with only the results it reports (`--only ID`).
fn runs(catalogue: &Catalogue) -> Value {
    let runs: Vec<Run> = catalogue
        .runs
        .iter()
        .map(|run| {
            let mut run = run.clone();
            run.report.results.retain(|r| catalogue.reports(&r.id));
            run
        })
        .collect();
    serde_json::to_value(runs).expect("runs serialise")
}

impl Reporter for Json {
    fn models(&self, models: &[ModelEntry]) -> String {
        let models: Vec<Value> = models
            .iter()
            .map(|entry| {
                let settings: Vec<Value> = entry
                    .settings
                    .iter()
                    .map(|s| match &s.kind {
                        SettingKind::Count { range, default } => json!({
                            "name": s.name, "summary": s.summary, "kind": "count",
                            "min": range.start(), "max": range.end(), "default": default,
                        }),
                        SettingKind::Flag { relaxes } => json!({
                            "name": s.name, "summary": s.summary, "kind": "flag",
                            "relaxes_an_assumption": relaxes,
                        }),
                    })
                    .collect();
                let variants: Vec<Value> = entry
                    .variants()
                    .iter()
                    .map(|v| json!({"name": v.name, "kind": v.kind, "summary": v.summary}))
                    .collect();
                let properties: Vec<Value> = entry.properties().iter().map(property).collect();
                json!({
                    "name": entry.name,
                    "summary": entry.summary,
                    "source": entry.source,
                    "threads": {
                        "min": entry.threads.start(),
                        "max": entry.threads.end(),
                        "default": entry.default_threads,
                    },
                    "settings": settings,
                    "variants": variants,
                    "properties": properties,
                })
            })
            .collect();
        document(Value::Array(models))
    }

    fn check(&self, checked: &Checked<'_>) -> String {
        let mut value = json!({
            "model": checked.entry.name,
            "variant": checked.variant.name,
            "config": checked.config,
            "bounds": checked.config.bounds(),
        });
        let report = serde_json::to_value(checked.report).expect("reports serialise");
        if let (Value::Object(head), Value::Object(fields)) = (&mut value, report) {
            head.extend(fields);
        }
        document(value)
    }

    fn catalogue(&self, catalogue: &Catalogue) -> String {
        document(runs(catalogue))
    }

    fn page(&self, catalogue: &Catalogue) -> String {
        let (entry, p) = catalogue.properties()[0];
        document(json!({
            "model": entry.name,
            "property": property(p),
            "runs": runs(catalogue),
        }))
    }

    fn replay(&self, replay: &Replay) -> String {
        document(json!({
            "trace": replay.trace,
            "confirmed": replay.outcome.is_ok(),
            "outcome": match &replay.outcome {
                Ok(what) | Err(what) => what,
            },
        }))
    }

    fn claims(&self, claims: &[ClaimVerdict]) -> String {
        let observed = crate::models::observed::litmus();
        let claims: Vec<Value> = claims
            .iter()
            .map(|c| {
                let evidence: Vec<Value> = c
                    .evidence
                    .iter()
                    .map(|f| json!({"verdict": f.verdict, "cite": f.cite}))
                    .collect();
                json!({
                    "id": c.id,
                    "claim": c.claim,
                    "verdict": c.verdict,
                    "evidence": evidence,
                    "why": c.why,
                    "litmus": c.litmus,
                    "observed": observed.cell(c.litmus),
                })
            })
            .collect();
        document(Value::Array(claims))
    }

    fn bench(&self, bench: &Bench<'_>) -> String {
        let rows: Vec<Value> = bench
            .rows
            .iter()
            .map(|row| {
                json!({
                    "config": row.config,
                    "symmetry": row.symmetry,
                    "states": row.search.states,
                    "transitions": row.search.transitions,
                    "search_seconds": row.search.seconds,
                    "states_per_second": row.search.states_per_second(),
                    "bytes_per_state":
                        row.search.memory_bytes as f64 / row.search.states.max(1) as f64,
                    "all_seconds": row.all.seconds,
                    "limit": row.search.limit.as_ref().or(row.all.limit.as_ref()),
                })
            })
            .collect();
        let twins: Vec<Value> = bench
            .twins
            .iter()
            .map(|(name, result)| match result {
                Ok(stats) => json!({
                    "backend": name,
                    "executions": stats.executions,
                    "seconds": stats.seconds,
                }),
                Err(failure) => json!({"backend": name, "failed": failure.message}),
            })
            .collect();
        document(json!({
            "model": bench.entry.name,
            "workers": bench.workers,
            "rows": rows,
            "twins": twins,
        }))
    }

    fn reproduction(&self, reproduction: &Reproduction<'_>) -> String {
        document(json!(reproduction.record))
    }
}
