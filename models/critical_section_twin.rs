//! The executable twin of `critical_section.rs`: each thread runs `program(t)` as real code over
//! the sync facade. The objects' `PyMutex`es are one backend mutex holding each object's owner,
//! with a condition variable on which threads park; each thread's stack of sections is its own
//! (`tstate->critical_section`). Every step on the mutexes is one critical section of that
//! backend mutex (lock, look, change, log, unlock), so the log order is the order of the steps.
//! The lists' sizes are object cells: under loom they are race-checked, so two appends to a list
//! that its mutex does not order are reported by loom's own race detector; an append without
//! the mutex is also refused by the replay (CS-S1) once the run ends.

use super::critical_section::{
    program, CriticalSections, CsAction, CsOp, CsVariant, Instr, Section, NONE, OBJECTS,
};
use crate::exec::{twin_meta, Backend, Log, ObjectCell, Twin};
use crate::model::Config;
use crate::trace::TraceMeta;
use std::sync::Arc;

/// A critical-section twin configuration.
#[derive(Clone, Debug)]
pub struct CriticalSectionTwin {
    /// Which code to run.
    pub variant: CsVariant,
    /// Threads (1..=`MAX_THREADS`), thread `t` running `program(t)`.
    pub threads: usize,
}

impl CriticalSectionTwin {
    /// A twin of `variant` with `threads` threads.
    pub fn new(variant: CsVariant, threads: usize) -> CriticalSectionTwin {
        CriticalSectionTwin { variant, threads }
    }
}

/// What the threads share: the objects' mutexes and the lists' sizes.
struct Shared<B: Backend> {
    spec: CriticalSections,
    /// Each object's `ob_mutex`: its owner, or `NONE` while free.
    owner: B::Mutex<[u8; OBJECTS]>,
    /// Where threads park on a taken mutex (`_PyParkingLot_Park`) until one is freed.
    parking: B::Condvar,
    /// Each list's `ob_size`.
    len: [B::Cell; OBJECTS],
    log: Log<CsAction>,
}

/// One thread: its id and its stack of critical sections, bottom first.
struct Thread<'a, B: Backend> {
    shared: &'a Shared<B>,
    me: u8,
    stack: Vec<Section>,
}

impl<B: Backend> Thread<'_, B> {
    fn action(&self, op: CsOp) -> CsAction {
        CsAction {
            thread: self.me,
            op,
        }
    }

    /// Logs `op`, whose effect is private to the thread or made under the owners' lock.
    fn note(&self, op: CsOp) {
        self.shared.log.note::<B>(self.action(op));
    }

    fn top(&mut self) -> &mut Section {
        self.stack.last_mut().expect("inside a critical section")
    }

    fn run(mut self) {
        for &instr in program(self.me as usize) {
            match instr {
                Instr::Begin(_) | Instr::Begin2(..) => self.begin(instr),
                Instr::Append(x) => self.append(x),
                Instr::Block => {
                    self.detach();
                    self.attach();
                }
                Instr::End => self.end(),
            }
        }
    }

    /// `_PyCriticalSection_BeginMutex` / `_PyCriticalSection2_BeginMutex`: push the section
    /// with no mutex recorded, lock its mutexes, record them.
    fn begin(&mut self, instr: Instr) {
        self.note(CsOp::Push(instr));
        self.stack.push(Section {
            m1: NONE,
            m2: NONE,
            active: true,
        });
        let (m1, m2) = self.shared.spec.mutexes(instr);
        self.lock_and_record(m1, m2);
    }

    /// Locks `m1` then `m2` (unless `NONE`) and records them in the top section, active.
    fn lock_and_record(&mut self, m1: u8, m2: u8) {
        for m in [m1, m2] {
            if m != NONE {
                self.lock(m);
            }
        }
        *self.top() = Section {
            m1,
            m2,
            active: true,
        };
    }

    /// `PyMutex_Lock` (`_PyMutex_LockTimed` with `_PY_LOCK_DETACH`): takes mutex `m` if it is
    /// free; otherwise parks, detaching (`_PyCriticalSection_SuspendAll`), until it is free,
    /// takes it and re-attaches, which marks the top section active again (its mutexes are
    /// cleared while it is being locked).
    fn lock(&mut self, m: u8) {
        let shared = self.shared;
        let mut owner = B::lock(&shared.owner);
        if owner[m as usize] == NONE {
            owner[m as usize] = self.me;
            self.note(CsOp::Lock(m));
            return;
        }
        let released = self.suspend_all(&mut owner);
        self.note(CsOp::Park { mutex: m, released });
        while owner[m as usize] != NONE {
            owner = B::wait(&shared.parking, owner);
        }
        owner[m as usize] = self.me;
        self.top().active = true;
        self.note(CsOp::Wake(m));
    }

    /// `_PyCriticalSection_SuspendAll` on the held `owner` array, waking parked threads when it
    /// released a mutex; whether it did.
    fn suspend_all(&mut self, owner: &mut [u8; OBJECTS]) -> bool {
        let released = self.shared.spec.suspend_all(owner, &mut self.stack);
        if released {
            B::notify_all(&self.shared.parking);
        }
        released
    }

    /// A blocking call detaches the thread (`detach_thread` → `_PyCriticalSection_SuspendAll`).
    fn detach(&mut self) {
        let mut owner = B::lock(&self.shared.owner);
        let released = self.suspend_all(&mut owner);
        self.note(CsOp::Detach { released });
    }

    /// The blocking call returns: `_PyThreadState_Attach` resumes the top section if it is
    /// suspended.
    fn attach(&mut self) {
        self.note(CsOp::Attach);
        if !self.top().active {
            self.resume();
        }
    }

    /// `_PyCriticalSection_Resume` of the top section: clear its recorded mutexes, lock them
    /// again, record them (`resume-without-relock`: only mark it active).
    fn resume(&mut self) {
        let relock = self.shared.spec.variant != CsVariant::ResumeWithoutRelock;
        let top = self.top();
        let (m1, m2) = (top.m1, top.m2);
        if relock {
            (top.m1, top.m2) = (NONE, NONE);
            self.lock_and_record(m1, m2);
        } else {
            top.active = true;
        }
    }

    /// `_PyCriticalSection_End`: unlock the recorded mutexes, pop (`_PyCriticalSection_Pop`),
    /// resume the section below if it is suspended.
    fn end(&mut self) {
        let top = self.stack.pop().expect("inside a critical section");
        {
            let mut owner = B::lock(&self.shared.owner);
            for m in [top.m1, top.m2] {
                if m != NONE {
                    owner[m as usize] = NONE;
                }
            }
            B::notify_all(&self.shared.parking);
            self.note(CsOp::End);
        }
        if self.stack.last().is_some_and(|below| !below.active) {
            self.resume();
        }
    }

    /// `list.append` on list `x` (`_PyList_AppendTakeRef`): read the size, then write the item
    /// and size + 1, each its own step on the size cell.
    fn append(&self, x: u8) {
        let size = &self.shared.len[x as usize];
        let log = &self.shared.log;
        let n = log.record::<B, u64>(|| (self.action(CsOp::AppendRead(x)), size.read()));
        log.record::<B, ()>(|| {
            size.write(n + 1);
            (self.action(CsOp::AppendWrite(x)), ())
        });
    }
}

impl Twin for CriticalSectionTwin {
    type Spec = CriticalSections;

    fn spec(&self, _backend: &str) -> CriticalSections {
        CriticalSections::new(self.variant, Config::threads(self.threads))
    }

    fn meta(&self, backend: &str) -> TraceMeta {
        let config = Config::threads(self.threads);
        twin_meta("critical-section", self.variant, config, backend)
    }

    fn run<B: Backend>(&self, log: &Log<CsAction>) {
        let shared = Arc::new(Shared::<B> {
            spec: self.spec(B::NAME),
            owner: B::mutex([NONE; OBJECTS]),
            parking: B::condvar(),
            len: std::array::from_fn(|_| B::Cell::new(0)),
            log: log.clone(),
        });
        let handles: Vec<_> = (0..self.threads as u8)
            .map(|me| {
                let shared = Arc::clone(&shared);
                B::spawn(move || {
                    let thread = Thread {
                        shared: &*shared,
                        me,
                        stack: Vec::new(),
                    };
                    thread.run()
                })
            })
            .collect();
        for handle in handles {
            B::join(handle);
        }
    }
}
