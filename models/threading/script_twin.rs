//! A `Script` run as threaded code on the twin primitives (`Python`), under any backend: every
//! run is replayed on the `Script` it was made from.

use super::action::Action;
use super::script::{Line, Script};
use super::twin::Python;
use crate::exec::{Backend, Log, Twin};
use crate::trace::TraceMeta;
use std::sync::Arc;

/// A script's executable twin.
#[derive(Clone)]
pub struct ScriptTwin {
    /// The name its traces carry.
    pub name: &'static str,
    /// The script (and the variant of the primitives it runs on).
    pub script: Script,
    /// Timeouts the clock fires under loom and shuttle.
    pub ticks: usize,
}

impl Twin for ScriptTwin {
    type Spec = Script;

    /// The script itself: the twin's waits never wake without a notify or a timeout, under
    /// real threads too.
    fn spec(&self, _backend: &str) -> Script {
        self.script.clone()
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        let mut meta = self.script.meta(self.name, self.script.py.variant);
        meta.backend = backend.into();
        meta
    }

    fn run<B: Backend>(&self, log: &Log<Action<u8>>) {
        let python = Arc::new(Python::<B, u8>::new(&self.script.py, log));
        let lines = self.script.lines.clone();
        python.run(self.ticks, move |py, me| {
            let mut last = false;
            for (i, line) in lines[me as usize].iter().enumerate() {
                match *line {
                    Line::Call(call) => last = py.call(me, call),
                    Line::IfTrue(call) if last => last = py.call(me, call),
                    Line::IfTrue(_) => py.own(me, i as u8),
                    Line::Mark(_) => py.own(me, i as u8),
                    Line::AwaitWaiters(cond, n) => {
                        py.await_queue(me, cond, |queued| queued.len() >= n as usize, i as u8)
                    }
                    Line::AwaitQueued(cond, w) => {
                        py.await_queue(me, cond, |queued| queued.contains(&w), i as u8)
                    }
                }
            }
        });
    }
}
