//! A model trace as a forced schedule: blocks of one thread's consecutive steps, each ending at
//! a point where that thread stops on the real interpreter, with the fields the model has
//! there. `driver.py` runs a plan under gdb.

use crate::explore::Replayed;
use crate::model::Model;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a thread is held at a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stop {
    /// At the entry of the function (a breakpoint).
    Call,
    /// Just after the function returns (a breakpoint, then `finish`).
    After,
    /// Blocked inside the function (the thread runs until it blocks there; gdb interrupts it).
    Blocked,
    /// Just after the call of the function the thread is in now returns.
    Return,
}

/// A place in the interpreter's code where a thread can be held: a function, called (maybe
/// through inlined frames) from one of `callers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Point {
    /// How the thread is held there.
    pub kind: Stop,
    /// The function (a symbol of libpython or libc): the first of these the build has, when
    /// releases name it differently.
    pub functions: &'static [&'static str],
    /// Functions one of which must be on the stack further out (none: any caller). Several
    /// when releases name the caller differently.
    pub callers: &'static [&'static str],
}

impl Point {
    /// Held at the entry of the first of `functions` the build has, called from one of
    /// `callers`.
    pub const fn call(
        functions: &'static [&'static str],
        callers: &'static [&'static str],
    ) -> Point {
        Point {
            kind: Stop::Call,
            functions,
            callers,
        }
    }

    /// Held just after the first of `function` the build has, called from one of `callers`,
    /// returns.
    pub const fn after(
        function: &'static [&'static str],
        callers: &'static [&'static str],
    ) -> Point {
        Point {
            kind: Stop::After,
            functions: function,
            callers,
        }
    }

    /// Held just after the call of `function` that the thread is in returns.
    pub const fn returned(function: &'static [&'static str]) -> Point {
        Point {
            kind: Stop::Return,
            functions: function,
            callers: &[],
        }
    }

    /// Blocked in the first of `function` the build has, called from one of `callers`.
    pub const fn blocked(
        function: &'static [&'static str],
        callers: &'static [&'static str],
    ) -> Point {
        Point {
            kind: Stop::Blocked,
            functions: function,
            callers,
        }
    }
}

/// Fields of the real interpreter's memory by the model's names (`locked`, `last_holder` as a
/// thread index or -1, ...), as the driver reads them.
pub type Fields = BTreeMap<&'static str, i64>;

/// What shows the violation on the real interpreter once the forced part is over.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Oracle {
    /// Released, the process is still alive `wait` seconds later, with model thread `thread`
    /// blocked in a stack that holds every name of `stack`.
    Hang {
        /// The model thread that must be stuck.
        thread: usize,
        /// Functions its stack must hold.
        stack: &'static [&'static str],
        /// Seconds of free running before the verdict.
        wait: f64,
    },
    /// A lasso forced round after round: every checkpoint matched the model, and model thread
    /// `thread` never held the GIL while the others took it in turn.
    Cycle {
        /// The thread the cycle starves.
        thread: usize,
    },
}

/// A model whose actions can be placed in a real interpreter's code.
pub trait OnMachine: Model {
    /// Where a thread is held just before `action` (taken in `state`), when the action starts
    /// at a place one can name.
    fn before(&self, state: &Self::State, action: &Self::Action) -> Option<Point>;
    /// Where a thread is held once `action` is done (reaching `state`), when that place can be
    /// named.
    fn after(&self, state: &Self::State, action: &Self::Action) -> Option<Point>;
    /// The fields of `state` the driver compares with memory.
    fn fields(&self, state: &Self::State) -> Fields;
    /// Whether a program running freely gets, by itself, to where its threads stand in
    /// `state` with `action` next, so that a forced lasso can start there.
    fn free_start(&self, state: &Self::State, action: &Self::Action) -> bool;
}

/// One thread's consecutive steps and where it stops after them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Block {
    /// The model thread.
    pub thread: usize,
    /// The trace's step numbers (1-based); none for a block that only brings the thread to
    /// where a lasso starts.
    pub steps: Vec<usize>,
    /// For a lasso, the round of the cycle (from 1); 0 otherwise.
    pub round: usize,
    /// Where the thread must stop.
    pub stop: Point,
    /// The fields the model has there; `None` for the first block, which runs free (the
    /// program's setup, which the model's initial state abstracts).
    pub expect: Option<Fields>,
}

/// What the driver runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// Role of each model thread in the program: `main` or `spawned-K` (the K-th thread it
    /// starts).
    pub threads: Vec<&'static str>,
    /// Seconds a thread runs before it is taken as blocked.
    pub park: f64,
    /// Seconds a thread may run to a breakpoint before the run counts as diverged.
    pub step_timeout: f64,
    /// Hits of a point (or tries to block there) before the run counts as diverged.
    pub max_hits: usize,
    /// The blocks, in the trace's order.
    pub blocks: Vec<Block>,
    /// What shows the violation at the end.
    pub oracle: Oracle,
}

/// One step of the sequence forced: its index in the trace's path and its round.
#[derive(Clone, Copy)]
struct Scheduled {
    index: usize,
    round: usize,
}

/// The plan of `replayed` (a trace replayed on `model`) for a program whose threads play
/// `roles`. A finite trace is forced as it is, its first block running free. A lasso (the
/// cycle starting at path index `cycle`) is forced for `rounds` rounds of its cycle, rotated
/// to start where a free run gets by itself (`OnMachine::free_start`); its prefix is the
/// program's own setup. An error names the step after which a thread has nowhere to stop.
pub fn plan<M: OnMachine>(
    model: &M,
    replayed: &Replayed<M>,
    cycle: Option<usize>,
    rounds: usize,
    roles: &[&'static str],
    oracle: Oracle,
) -> Result<Plan, String> {
    let path = &replayed.path;
    let before = |i: usize| {
        if i == 0 {
            &replayed.init
        } else {
            &path[i - 1].1
        }
    };
    let actor = |i: usize| {
        model
            .actor(&path[i].0)
            .ok_or_else(|| format!("step {} is no thread's", i + 1))
    };
    let mut blocks: Vec<Block> = Vec::new();
    // The steps to force, then one more round that only says where each thread goes next.
    let (forced, lookahead) = match cycle {
        None => (
            (0..path.len())
                .map(|index| Scheduled { index, round: 0 })
                .collect(),
            0,
        ),
        Some(c) => {
            let start = (c..path.len())
                .find(|&i| model.free_start(before(i), &path[i].0))
                .ok_or("no step of the cycle starts where a free run gets by itself")?;
            let order: Vec<usize> = (start..path.len()).chain(c..start).collect();
            let mut seq = Vec::new();
            for round in 1..=rounds + 1 {
                seq.extend(order.iter().map(|&index| Scheduled { index, round }));
            }
            // The free run stops the first thread before its step; each other thread is
            // brought to where it next acts, with the fields of the starting state.
            let expect = model.fields(before(start));
            let mut seen = Vec::new();
            for &i in &order {
                let thread = actor(i)?;
                if seen.contains(&thread) {
                    continue;
                }
                seen.push(thread);
                let stop = model.before(before(i), &path[i].0).ok_or_else(|| {
                    format!("T{thread} has no place to stop before step {}", i + 1)
                })?;
                blocks.push(Block {
                    thread,
                    steps: Vec::new(),
                    round: 0,
                    stop,
                    expect: (!blocks.is_empty()).then(|| expect.clone()),
                });
            }
            (seq, order.len())
        }
    };
    let end = forced.len() - lookahead;
    let mut i = 0;
    while i < end {
        let thread = actor(forced[i].index)?;
        let mut j = i;
        while j + 1 < end && actor(forced[j + 1].index)? == thread {
            j += 1;
        }
        let next =
            (j + 1..forced.len()).find(|&k| actor(forced[k].index).is_ok_and(|t| t == thread));
        let (action, state) = &path[forced[j].index];
        let stop = next
            .and_then(|k| model.before(before(forced[k].index), &path[forced[k].index].0))
            .or_else(|| model.after(state, action))
            .ok_or_else(|| {
                format!(
                    "after step {} ({}) T{thread} has no place to stop on a real interpreter",
                    forced[j].index + 1,
                    model.format_action(action)
                )
            })?;
        blocks.push(Block {
            thread,
            steps: forced[i..=j].iter().map(|s| s.index + 1).collect(),
            round: forced[i].round,
            stop,
            expect: (!blocks.is_empty()).then(|| model.fields(state)),
        });
        i = j + 1;
    }
    if roles.len() < blocks.iter().map(|b| b.thread + 1).max().unwrap_or(0) {
        return Err(format!(
            "the trace has more threads than the program's {}",
            roles.len()
        ));
    }
    Ok(Plan {
        threads: roles.to_vec(),
        park: 0.3,
        step_timeout: 20.0,
        max_hits: 500,
        blocks,
        oracle,
    })
}
