//! Where the hand-off model's actions happen in a real CPython (3.9-3.13 on pthreads, where
//! `take_gil` and `drop_gil` are functions of their own and the waits are glibc's condition
//! variables), for `gilcheck reproduce`; and the program each property is reproduced with.
//!
//! Points are calls to functions that delimit an action (`pthread_cond_timedwait` from
//! `take_gil`, `drop_gil`, `PyThread_exit_thread`, ...), never source lines: line numbers
//! differ between releases, and the compiler merges calls (3.9.18's two exits from `take_gil`
//! share one) and moves code into cold sections (Debian's LTO build).

use super::handoff::Handoff;
use super::protocol::Action;
use super::state::{GilState, Pc, NOBODY};
use crate::reproduce::{Fields, OnMachine, Oracle, Point, Scenario};

/// `take_gil`'s `COND_TIMED_WAIT` on `gil->cond`.
const TIMED_WAIT: Point = Point::blocked(&["pthread_cond_timedwait"], &["take_gil"]);

impl OnMachine for Handoff {
    fn before(&self, state: &GilState, action: &Action) -> Option<Point> {
        match *action {
            // take_gil, any release: the thread enters it.
            Action::TakeFree(_) | Action::TakeBlock(_) => Some(Point::call(&["take_gil"], &[])),
            // The wait's return, and the exit check after a timed-out wait (3.9 check B,
            // 3.11.2+ `tstate_must_exit` after the wait): the thread is blocked in the wait.
            Action::Wake { .. } => Some(TIMED_WAIT),
            Action::ShutdownExit { thread, .. } => match state.threads[thread as usize] {
                Pc::Wait { .. } => Some(TIMED_WAIT),
                _ => Some(Point::call(&["take_gil"], &[])),
            },
            // take_gil has the GIL and has unlocked switch_mutex (its first unlock after the
            // wait); the request's reset and gil->mutex's unlock come next.
            Action::ClearRequest(_) => Some(Point::after(&["pthread_mutex_unlock"], &["take_gil"])),
            // drop_gil (any release): it enters it.
            Action::Release { .. } => Some(Point::call(&["drop_gil"], &[])),
            // Py_FinalizeEx marks the runtime finalizing: 3.9-3.11 the inlined
            // `_PyRuntimeState_SetFinalizing`; 3.12+ first the interpreter
            // (`_PyInterpreterState_SetFinalizing`), which `tstate_must_exit` reads too.
            // 3.13's Py_FinalizeEx is `_Py_Finalize`.
            Action::Finalize => Some(Point::call(
                &[
                    "_PyInterpreterState_SetFinalizing",
                    "_PyRuntimeState_SetFinalizing",
                ],
                &["Py_FinalizeEx", "_Py_Finalize"],
            )),
            // 3.11.2+: the exiting thread has unlocked gil->mutex, its reset comes next.
            Action::ResetAndExit(_) => Some(Point::after(&["pthread_mutex_unlock"], &["take_gil"])),
            // drop_gil's FORCE_SWITCHING: it locks switch_mutex (its first mutex lock after
            // the release) to test last_holder.
            Action::HandoffLock { .. } => Some(Point::call(&["pthread_mutex_lock"], &["drop_gil"])),
            // drop_gil's FORCE_SWITCHING `COND_WAIT(switch_cond)`.
            Action::SwitchWake(_) => Some(Point::blocked(&["pthread_cond_wait"], &["drop_gil"])),
            _ => None,
        }
    }

    fn after(&self, _: &GilState, action: &Action) -> Option<Point> {
        let exit: &[&str] = if self.gil.variant.hangs() {
            &["PyThread_hang_thread"]
        } else {
            &["PyThread_exit_thread"]
        };
        match *action {
            Action::TakeBlock(_) | Action::Wake { acquires: false, .. } => Some(TIMED_WAIT),
            // Holding the GIL back in the eval loop: take_gil has returned.
            Action::ClearRequest(_) => Some(Point::returned(&["take_gil"])),
            // drop_gil has released the GIL (`locked = 0`, signal) and unlocked gil->mutex.
            Action::Release { .. } => Some(Point::after(&["pthread_mutex_unlock"], &["drop_gil"])),
            Action::HandoffLock { waits: true, .. } => {
                Some(Point::blocked(&["pthread_cond_wait"], &["drop_gil"]))
            }
            Action::ShutdownExit {
                resets_after: true, ..
            } => Some(Point::after(&["pthread_mutex_unlock"], &["take_gil"])),
            Action::ShutdownExit { .. } | Action::ResetAndExit(_) => {
                Some(Point::call(exit, &["take_gil"]))
            }
            _ => None,
        }
    }

    /// A free run stops by itself at a holder entering drop_gil while every other thread
    /// waits for the GIL: that is what CPU-bound threads do.
    fn free_start(&self, s: &GilState, action: &Action) -> bool {
        let Action::Release { thread, .. } = *action else {
            return false;
        };
        self.gil
            .threads()
            .filter(|&t| t != thread)
            .all(|t| matches!(s.threads[t as usize], Pc::Wait { .. }))
    }

    fn fields(&self, s: &GilState) -> Fields {
        Fields::from([
            ("locked", i64::from(s.locked)),
            (
                "last_holder",
                if s.last_holder == NOBODY {
                    -1
                } else {
                    i64::from(s.last_holder)
                },
            ),
            ("drop_request", i64::from(s.drop_request)),
            ("finalizing", i64::from(s.finalizing)),
        ])
    }
}

/// The program for gh-96387 (GIL-X1, GIL-S3): a daemon thread spins in Python code while the
/// main thread finishes; a garbage cycle whose `__del__` runs bytecode in the final collection
/// of `Py_FinalizeEx` makes the main thread reach a poll point after finalizing has begun.
const SHUTDOWN: Scenario = Scenario {
    program: include_str!("../../src/reproduce/shutdown.py"),
    args: &["20000", "0.001"],
    roles: &["main", "spawned-1"],
    oracle: Oracle::Hang {
        thread: 0,
        stack: &["pthread_cond_wait", "drop_gil"],
        wait: 4.0,
    },
    control_timeout: Some(5.0),
};

/// The program for a waiter bypassed for ever (GIL-L2, 3 threads): three threads spin in
/// Python code with a long switch interval (1 s, longer than the driver's 0.3 s park, so a
/// parked waiter times out only when the schedule lets it run on). The schedule is forced
/// round after round; T0, the waiter owed the GIL, must never get it.
const BYPASS: Scenario = Scenario {
    program: include_str!("../../src/reproduce/spinners.py"),
    args: &["3", "1.0"],
    roles: &["spawned-1", "spawned-2", "spawned-3"],
    oracle: Oracle::Cycle { thread: 0 },
    control_timeout: None,
};

/// The properties `reproduce` has a program for.
pub const REPRODUCIBLE: &[&str] = &["GIL-X1", "GIL-S3", "GIL-L2"];

/// The program property `id` is reproduced with, if it has one.
pub fn scenario(id: &str) -> Option<&'static Scenario> {
    match id {
        "GIL-X1" | "GIL-S3" => Some(&SHUTDOWN),
        "GIL-L2" => Some(&BYPASS),
        _ => None,
    }
}
