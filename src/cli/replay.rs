//! `replay FILE`: a saved trace re-run on its model's spec, its claim confirmed or not.

use super::output::emit;
use super::Tool;
use crate::error::Error;
use crate::trace::Trace;
use std::path::Path;

/// 0 when the trace replays and shows what it claims, 1 when a step or the claim fails, 2 when
/// the file is not a trace of a registered model.
pub fn replay(tool: &Tool, file: &Path) -> Result<i32, Error> {
    let saved = read_trace(file)?;
    let replay = tool.find(&saved.meta.model)?.replay(&saved)?;
    emit(&tool.reporter.replay(&replay))?;
    Ok(if replay.outcome.is_ok() { 0 } else { 1 })
}

/// The trace saved in `file`; bad input when it cannot be read or is not a trace.
pub fn read_trace(file: &Path) -> Result<Trace, Error> {
    let shown = file.display();
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::bad_input(format!("cannot read {shown}: {e}")))?;
    Trace::from_json(&text)
        .map_err(|e| Error::bad_input(format!("{shown} is not a gilcheck trace: {e}")))
}
