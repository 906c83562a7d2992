//! Random deep walks: one path, chosen by a list of numbers, checked on the way. For
//! configurations too large to explore exhaustively; quickcheck and proptest supply (and
//! shrink) the choices.

use crate::model::{Check, Model};
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
    let failure = |p: &crate::model::Property<M>, path: &[(M::Action, M::State)]| {
        let mut trace = Trace::from_path(model, meta.clone(), &init, path);
        trace.property = Some(p.id.to_string());
        trace.outcome = format!("violates {}: {}", p.id, p.statement);
        Box::new(trace)
    };
    let violated = |state: &M::State| {
        properties.iter().find(|p| match p.check {
            Check::Always(holds) => !holds(model, state),
            _ => false,
        })
    };
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
