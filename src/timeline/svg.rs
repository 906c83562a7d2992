//! A trace as an SVG timeline: time runs down, one row per step; one lane per thread coloured
//! by what the thread is doing (the model's legend), one lane per shared fact, the acting
//! thread marked, the step's label on the right, the violating (or witnessing) step
//! highlighted and a lasso's cycle bracketed.

use crate::timeline::{activity, Frame, Legend};
use crate::trace::Trace;
use std::fmt::Write;

const ROW: usize = 22;
/// The first row's top when the outcome takes one line.
const TOP: usize = 64;
/// Characters per line of the wrapped outcome.
const WRAP: usize = 110;
const STEP_COLUMN: usize = 56;
const LANE: usize = 56;
const FACT: usize = 120;
/// Width of a character at 12 px, monospace, rounded up.
const CHAR: usize = 8;

/// How the last step of a trace is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The last state violates the property (red).
    Violation,
    /// The last state witnesses a reachability property (green).
    Witness,
}

/// `text` escaped for XML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The SVG picture of `trace`, coloured with its model's `legend`.
pub fn timeline(trace: &Trace, ending: Ending, legend: Legend) -> String {
    let frames: Vec<&Frame> = std::iter::once(&trace.init_frame)
        .chain(trace.steps.iter().map(|s| &s.frame))
        .collect();
    let threads = trace
        .meta
        .config
        .threads
        .max(frames.iter().map(|f| f.threads.len()).max().unwrap_or(0));
    // Only facts that are present somewhere in the trace get a lane.
    let fact_names: Vec<&str> = frames
        .iter()
        .flat_map(|f| f.facts.iter())
        .filter(|f| !f.value.is_empty())
        .map(|f| f.name.as_str())
        .fold(Vec::new(), |mut names, name| {
            if !names.contains(&name) {
                names.push(name);
            }
            names
        });
    let outcome = wrap(&trace.outcome, WRAP);
    let top = TOP + 16 * outcome.len().saturating_sub(1);
    let labels_x = STEP_COLUMN + threads * LANE + fact_names.len() * FACT + 12;
    let longest = trace
        .steps
        .iter()
        .map(|s| s.action.len() + 6)
        .max()
        .unwrap_or(0);
    let legend_width: usize = legend.iter().map(|a| 34 + a.describe.len() * CHAR).sum();
    let width = (labels_x + longest * CHAR + 16)
        .max(WRAP * CHAR + 16)
        .max(legend_width + 16);
    let rows = frames.len();
    let legend_y = top + rows * ROW + if trace.cycle.is_some() { 36 } else { 16 };
    let height = legend_y + 2 * ROW + 8;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="{width}" height="{height}" fill="#ffffff"/>"##
    );
    let m = &trace.meta;
    let title = format!(
        "{}{} / {} ({}) from {}",
        trace
            .property
            .as_deref()
            .map(|p| format!("{p}: "))
            .unwrap_or_default(),
        m.model,
        m.variant,
        m.config.bounds(),
        m.backend
    );
    let _ = writeln!(
        out,
        r#"<text x="8" y="20" font-size="14" font-weight="bold">{}</text>"#,
        escape(&title)
    );
    for (i, line) in outcome.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<text x="8" y="{}">{}</text>"#,
            38 + 16 * i,
            escape(line)
        );
    }
    // Column headings.
    let heading_y = top - 8;
    let _ = writeln!(out, r#"<text x="8" y="{heading_y}">step</text>"#);
    for t in 0..threads {
        let x = STEP_COLUMN + t * LANE + LANE / 2;
        let _ = writeln!(
            out,
            r#"<text x="{x}" y="{heading_y}" text-anchor="middle" font-weight="bold">T{t}</text>"#
        );
    }
    for (i, name) in fact_names.iter().enumerate() {
        let x = STEP_COLUMN + threads * LANE + i * FACT + FACT / 2;
        let _ = writeln!(
            out,
            r#"<text x="{x}" y="{heading_y}" text-anchor="middle">{}</text>"#,
            escape(name)
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{labels_x}" y="{heading_y}">thread: action</text>"#
    );

    // The lasso's cycle: a shaded band and a bracket.
    if let Some(start) = trace.cycle {
        let y0 = top + (start + 1) * ROW;
        let y1 = top + rows * ROW;
        let _ = writeln!(
            out,
            r##"<rect x="0" y="{y0}" width="{width}" height="{}" fill="#fff8e1"/>"##,
            y1 - y0
        );
        let _ = writeln!(
            out,
            r##"<path d="M 50 {y0} H 44 V {y1} H 50" fill="none" stroke="#e65100" stroke-width="2"/>"##
        );
        let _ = writeln!(
            out,
            r##"<text x="{labels_x}" y="{}" fill="#e65100" font-weight="bold">cycle: steps {}..{} repeat forever (the last returns to the state after step {start})</text>"##,
            y1 + 18,
            start + 1,
            trace.steps.len()
        );
    }
    // The marked last step.
    if !trace.steps.is_empty() && trace.cycle.is_none() {
        let y = top + (rows - 1) * ROW;
        let stroke = match ending {
            Ending::Violation => "#c62828",
            Ending::Witness => "#2e7d32",
        };
        let _ = writeln!(
            out,
            r#"<rect x="1" y="{y}" width="{}" height="{ROW}" fill="none" stroke="{stroke}" stroke-width="3"/>"#,
            width - 2
        );
    }

    for (row, frame) in frames.iter().enumerate() {
        let y = top + row * ROW;
        let step = row.checked_sub(1).map(|i| &trace.steps[i]);
        let state = step.map_or(trace.init.as_str(), |s| s.state.as_str());
        let _ = writeln!(out, "<g><title>{}</title>", escape(state));
        let number = step.map_or("init".to_string(), |_| row.to_string());
        let _ = writeln!(out, r#"<text x="8" y="{}">{number}</text>"#, y + ROW - 7);
        for t in 0..threads {
            let name = frame.threads.get(t).map_or("", String::as_str);
            let activity = activity(legend, name);
            let x = STEP_COLUMN + t * LANE;
            let _ = writeln!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>T{t}: {}</title></rect>"##,
                x + 2,
                y + 1,
                LANE - 4,
                ROW - 2,
                activity.colour,
                activity.describe
            );
            if step.is_some_and(|s| s.thread == Some(t)) {
                let _ = writeln!(
                    out,
                    r##"<circle cx="{}" cy="{}" r="5" fill="#000000" stroke="#ffffff" stroke-width="1.5"/>"##,
                    x + LANE / 2,
                    y + ROW / 2
                );
            }
        }
        let before = row.checked_sub(1).map(|r| frames[r]);
        for (i, name) in fact_names.iter().enumerate() {
            let value = fact_value(frame, name);
            if value.is_empty() {
                continue;
            }
            let x = STEP_COLUMN + threads * LANE + i * FACT;
            let changed = before.is_none_or(|b| fact_value(b, name) != value);
            let _ = writeln!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#ffe082"/>"##,
                x + 2,
                y + 1,
                FACT - 4,
                ROW - 2
            );
            if changed {
                let _ = writeln!(
                    out,
                    r#"<text x="{}" y="{}" text-anchor="middle" font-weight="bold">{}</text>"#,
                    x + FACT / 2,
                    y + ROW - 7,
                    escape(value)
                );
            }
        }
        let label = match step {
            None => "initial state".to_string(),
            Some(s) => format!(
                "{}: {}",
                s.thread.map_or("env".to_string(), |t| format!("T{t}")),
                s.action
            ),
        };
        let _ = writeln!(
            out,
            r#"<text x="{labels_x}" y="{}">{}</text></g>"#,
            y + ROW - 7,
            escape(&label)
        );
    }

    // Legend.
    let mut x = 8;
    for activity in legend {
        let _ = writeln!(
            out,
            r##"<rect x="{x}" y="{legend_y}" width="14" height="14" fill="{}" stroke="#616161"/>"##,
            activity.colour
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}">{}</text>"#,
            x + 18,
            legend_y + 11,
            activity.describe
        );
        x += 34 + activity.describe.len() * CHAR;
    }
    let _ = writeln!(
        out,
        r##"<circle cx="15" cy="{}" r="5" fill="#000000"/><text x="26" y="{}">the thread that acts in the step; hover a row for the whole state</text>"##,
        legend_y + ROW + 7,
        legend_y + ROW + 11
    );
    out.push_str("</svg>\n");
    out
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word stays whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

fn fact_value<'a>(frame: &'a Frame, name: &str) -> &'a str {
    frame
        .facts
        .iter()
        .find(|f| f.name == name)
        .map_or("", |f| f.value.as_str())
}
