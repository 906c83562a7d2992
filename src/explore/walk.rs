//! Random deep walks: one path, chosen by a list of numbers, checked on the way. For
//! configurations too large to explore exhaustively; quickcheck and proptest supply (and
//! shrink) the choices.

use crate::model::{Check, Model, Property};
use crate::trace::{Trace, TraceMeta};

/// Follows the path where step `i` takes enabled action number `choices[i] % enabled`,
/// checking every safety property and deadlock freedom in each state. Returns the number of
/// steps taken, or the trace up to the first violation.
pub fn walk<M: Model>(model: &M, meta: &TraceMeta, choices: &[u32]) -> Result<usize, Box<Trace>> {
    let properties = model.properties();
    let init = model.init_states().remove(0);
    let mut state = init.clone();
    let mut path: Vec<(M::Action, M::State)> = Vec::new();
    let mut actions = Vec::new();
    let failure = |p: &Property<M>, path: &[(M::Action, M::State)]| {
        Box::new(Trace::from_path(model, meta.clone(), &init, path).violating(p.id, p.statement))
    };
    let violated = |state: &M::State| properties.iter().find(|p| p.violated_by(model, state));
    if let Some(p) = violated(&state) {
        return Err(failure(p, &path));
    }
    for &choice in choices {
        actions.clear();
        model.actions(&state, &mut actions);
        if actions.is_empty() {
            let deadlock = properties
                .iter()
                .find(|p| matches!(p.check, Check::DeadlockFree));
            match deadlock {
                Some(p) if !model.is_final(&state) => return Err(failure(p, &path)),
                _ => break,
            }
        }
        let action = actions[choice as usize % actions.len()].clone();
        state = model.next_state(&state, &action);
        path.push((action, state.clone()));
        if let Some(p) = violated(&state) {
            return Err(failure(p, &path));
        }
    }
    Ok(path.len())
}
