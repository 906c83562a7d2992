//! The GIL's state: each thread's place in `take_gil` / `drop_gil` (`Pc`), the GIL's fields
//! (`locked`, `last_holder`, the drop request, finalization), the state packed into one word
//! for the visited set, and how the pictures colour each place (`LEGEND`).

use crate::pack::{BitReader, BitWriter, Pack};
use crate::timeline::{Activity, Legend, DONE, IDLE};

/// Largest number of threads a state can hold.
pub const MAX_THREADS: usize = 8;
/// `last_holder` before any thread took the GIL (NULL in `create_gil`).
pub const NOBODY: u8 = u8::MAX;

/// Where a thread is in the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pc {
    /// About to call `take_gil` (lock `gil->mutex`).
    Take,
    /// In `take_gil`'s `COND_TIMED_WAIT` on `gil->cond`. `notified`: a `COND_SIGNAL` chose this
    /// waiter; `switched`: `switch_number` changed since the wait began; `requested`: this
    /// `take_gil` call set the drop request (3.11.2's `drop_requested`; tracked only by the
    /// gh-96387 fix variants).
    Wait {
        /// A signal chose this waiter.
        notified: bool,
        /// `switch_number` changed since the wait began.
        switched: bool,
        /// This call set the drop request (gh-96387 fix variants only).
        requested: bool,
    },
    /// `take_gil` exiting at shutdown (3.11.2+): `gil->mutex` released, about to reset the drop
    /// request it set. 3.13+ clears the bit of `holder`, the holder it saw under the mutex.
    ExitReset {
        /// `holder_tstate` (3.13+; 0 before, where the request is one flag).
        holder: u8,
    },
    /// `take_gil` took the GIL and still holds `gil->mutex`, about to clear the drop request.
    Acquired,
    /// Holds the GIL and runs bytecode between poll points.
    Eval,
    /// About to run `drop_gil`'s release (lock `mutex`, `locked = 0`, signal `cond`).
    Release {
        /// Where the thread goes when `drop_gil` returns.
        after: After,
    },
    /// `drop_gil`, FORCE_SWITCHING: about to read the drop request (relaxed, no lock).
    HandoffRead {
        /// Where the thread goes when `drop_gil` returns.
        after: After,
        /// 3.13+: its own drop bit, kept here once another thread became `last_holder` (while
        /// it is `last_holder` its bit is `GilState::drop_request`). Always false before 3.13.
        request: bool,
    },
    /// `drop_gil`, FORCE_SWITCHING: about to lock `switch_mutex` and test `last_holder`.
    HandoffLock {
        /// Where the thread goes when `drop_gil` returns.
        after: After,
    },
    /// `drop_gil`, FORCE_SWITCHING: the single `COND_WAIT` on `switch_cond`.
    SwitchWait {
        /// `take_gil` signalled `switch_cond` since the wait began.
        notified: bool,
        /// Where the thread goes when `drop_gil` returns.
        after: After,
    },
    /// Between `PyEval_SaveThread` and `PyEval_RestoreThread`: running without the GIL
    /// (blocking I/O, C code). The model composed with the GIL decides when it comes back.
    Detached,
    /// The thread has finished (finite configurations only).
    Done,
    /// A daemon thread at shutdown, blocked for ever in `PyThread_hang_thread` (3.13.8+,
    /// 3.14): final, it never takes the GIL again.
    Hung,
}

/// Why a thread runs `drop_gil`, which decides where it goes when `drop_gil` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum After {
    /// The eval breaker honoured a drop request: take the GIL again.
    Retake,
    /// `PyEval_SaveThread`: run without the GIL (`Pc::Detached`).
    Detach,
    /// The thread ends; `drop_gil` had its tstate (FORCE_SWITCHING applies).
    Exit,
    /// The thread ends after a final release (3.12+ `tstate == NULL`, 3.13+ `final_release`):
    /// no hand-off, `last_holder` not written.
    Final,
    /// A final release, then the thread hangs (3.13.8+, 3.14 at shutdown).
    Hang,
}

impl Pc {
    /// What the timeline shows of a thread here (an activity of `LEGEND`).
    pub fn activity(self) -> &'static Activity {
        match self {
            Pc::Take => &TAKES,
            Pc::Wait { .. } => &WAITS,
            Pc::Acquired | Pc::Eval => &HOLDS,
            Pc::Release { .. }
            | Pc::HandoffRead { .. }
            | Pc::HandoffLock { .. }
            | Pc::SwitchWait { .. } => &DROPS,
            Pc::Detached => &DETACHED,
            Pc::ExitReset { .. } | Pc::Done => &DONE,
            Pc::Hung => &HUNG,
        }
    }

    /// The pc in `PC_BITS` bits, distinct for distinct pcs: the kind in the low four bits,
    /// its flags and `After` above them (three bits in `Release`, the one place a final
    /// release or a hang can be; two elsewhere, with a flag in bit 6).
    #[inline]
    fn code(self) -> u8 {
        let flag = |b: bool, bit: u8| (b as u8) << bit;
        let after = |a: After| (a as u8) << 4;
        match self {
            Pc::Take => 0,
            Pc::Wait {
                notified,
                switched,
                requested,
            } => 1 | flag(notified, 4) | flag(switched, 5) | flag(requested, 6),
            Pc::ExitReset { holder } => 2 | holder << 4,
            Pc::Acquired => 3,
            Pc::Eval => 4,
            Pc::Release { after: a } => 5 | after(a),
            Pc::HandoffRead { after: a, request } => 6 | after(a) | flag(request, 6),
            Pc::HandoffLock { after: a } => 7 | after(a),
            Pc::SwitchWait { notified, after: a } => 8 | after(a) | flag(notified, 6),
            Pc::Detached => 9,
            Pc::Done => 10,
            Pc::Hung => 11,
        }
    }

    /// The pc whose `code` is `code`.
    #[inline]
    fn from_code(code: u8) -> Pc {
        let flag = |bit: u8| code >> bit & 1 == 1;
        let after = |bits: u8| match code >> 4 & bits {
            0 => After::Retake,
            1 => After::Detach,
            2 => After::Exit,
            3 => After::Final,
            4 => After::Hang,
            _ => unreachable!("no After has code {code:#x}"),
        };
        match code & 15 {
            0 => Pc::Take,
            1 => Pc::Wait {
                notified: flag(4),
                switched: flag(5),
                requested: flag(6),
            },
            2 => Pc::ExitReset { holder: code >> 4 },
            3 => Pc::Acquired,
            4 => Pc::Eval,
            5 => Pc::Release { after: after(7) },
            6 => Pc::HandoffRead {
                after: after(3),
                request: flag(6),
            },
            7 => Pc::HandoffLock { after: after(3) },
            8 => Pc::SwitchWait {
                notified: flag(6),
                after: after(3),
            },
            9 => Pc::Detached,
            10 => Pc::Done,
            11 => Pc::Hung,
            _ => unreachable!("no pc has code {code:#x}"),
        }
    }

    /// Where a thread inside `drop_gil` goes when it returns (`Retake` outside `drop_gil`).
    pub(super) fn after(self) -> After {
        match self {
            Pc::Release { after }
            | Pc::HandoffRead { after, .. }
            | Pc::HandoffLock { after }
            | Pc::SwitchWait { after, .. } => after,
            _ => After::Retake,
        }
    }
}

/// A state of the GIL and its threads.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GilState {
    /// `gil->locked`.
    pub locked: bool,
    /// `gil_drop_request` (3.11: `interp->ceval.gil_drop_request`, mirrored in `eval_breaker`;
    /// 3.13+: the bit of `last_holder`). With two interpreters sharing the GIL (3.9-3.12), the
    /// main interpreter's.
    pub drop_request: bool,
    /// With two interpreters sharing the GIL (3.9-3.12): the second interpreter's own
    /// `gil_drop_request`. Always false otherwise.
    pub sub_request: bool,
    /// `gil->last_holder` as a thread index, or `NOBODY`.
    pub last_holder: u8,
    /// Program counter of each thread; slots past the configured count stay `Done`.
    pub threads: [Pc; MAX_THREADS],
    /// `Py_FinalizeEx` has started: daemon threads must exit (`tstate_must_exit`). Only the
    /// gh-96387 variants finalize.
    pub finalizing: bool,
}

/// Bits of a pc's code.
const PC_BITS: u32 = 7;
/// Bits of every thread's pc.
const PCS_BITS: u32 = MAX_THREADS as u32 * PC_BITS;
/// Bits of `last_holder` (a thread index, or all ones for `NOBODY`).
const HOLDER_BITS: u32 = 4;
/// `last_holder`'s field when it is `NOBODY`.
const NOBODY_FIELD: u64 = (1 << HOLDER_BITS) - 1;

impl GilState {
    /// Appends the state's 64 bits: each thread's pc, the four flags, `last_holder`. The pcs
    /// and the flags each go in as one field (packing is a fifth of a search's time).
    pub fn write_bits<const N: usize>(&self, out: &mut BitWriter<N>) {
        let pcs = self.threads.iter().enumerate().fold(0, |pcs, (t, pc)| {
            pcs | u64::from(pc.code()) << (t as u32 * PC_BITS)
        });
        out.put(pcs, PCS_BITS);
        let flags = [
            self.locked,
            self.drop_request,
            self.finalizing,
            self.sub_request,
        ];
        let flags = flags.iter().rev().fold(0, |bits, &f| bits << 1 | u64::from(f));
        out.put(flags, 4);
        let holder = match self.last_holder {
            NOBODY => NOBODY_FIELD,
            thread => thread as u64,
        };
        out.put(holder, HOLDER_BITS);
    }

    /// Reads back a state `write_bits` wrote.
    pub fn read_bits(input: &mut BitReader) -> GilState {
        let pcs = input.take(PCS_BITS);
        let threads: [Pc; MAX_THREADS] = std::array::from_fn(|t| {
            Pc::from_code((pcs >> (t as u32 * PC_BITS) & ((1 << PC_BITS) - 1)) as u8)
        });
        let flags = input.take(4);
        let flag = |i: u32| flags >> i & 1 == 1;
        let (locked, drop_request, finalizing, sub_request) = (flag(0), flag(1), flag(2), flag(3));
        let last_holder = match input.take(HOLDER_BITS) {
            NOBODY_FIELD => NOBODY,
            thread => thread as u8,
        };
        GilState {
            locked,
            drop_request,
            sub_request,
            last_holder,
            threads,
            finalizing,
        }
    }
}

/// Packed into one word.
const _: () = assert!(MAX_THREADS as u32 * PC_BITS + 4 + HOLDER_BITS <= 64);
impl Pack for GilState {
    type Packed = u64;
    const KEEP: bool = true;
    fn pack(&self) -> u64 {
        let mut out = BitWriter::<1>::default();
        self.write_bits(&mut out);
        out.finish()[0]
    }
    fn unpack(packed: &u64) -> GilState {
        GilState::read_bits(&mut BitReader::new(std::slice::from_ref(packed)))
    }
}

/// Holding the GIL and running Python code.
pub const HOLDS: Activity = Activity {
    name: "holds",
    describe: "holds the GIL, runs Python",
    colour: "#2e7d32",
};
/// In `take_gil`, not yet waiting.
pub const TAKES: Activity = Activity {
    name: "takes",
    describe: "calls take_gil",
    colour: "#90caf9",
};
/// Waiting for the GIL.
pub const WAITS: Activity = Activity {
    name: "waits",
    describe: "waits for the GIL",
    colour: "#ffb74d",
};
/// In `drop_gil`, including its wait for the hand-off.
pub const DROPS: Activity = Activity {
    name: "drops",
    describe: "in drop_gil",
    colour: "#ce93d8",
};
/// Running without the GIL: blocked in I/O, in C code, or blocked on a lock.
pub const DETACHED: Activity = Activity {
    name: "detached",
    describe: "runs without the GIL (I/O, C)",
    colour: "#26a69a",
};

/// A daemon thread hung at shutdown (3.13.8+, 3.14).
pub const HUNG: Activity = Activity {
    name: "hung",
    describe: "hangs for ever at shutdown",
    colour: "#616161",
};

/// How pictures of GIL models colour a thread.
pub const LEGEND: Legend = &[HOLDS, TAKES, WAITS, DROPS, DETACHED, IDLE, DONE, HUNG];

/// A pc in a few words (`wait(signalled)`, `release+exit`).
pub(super) fn pc_name(pc: Pc) -> String {
    let exit = |after: After| match after {
        After::Retake => "",
        After::Detach => "+detach",
        After::Exit | After::Final => "+exit",
        After::Hang => "+hang",
    };
    match pc {
        Pc::Take => "take".into(),
        Pc::ExitReset { .. } => "exit-reset".into(),
        Pc::Wait {
            notified, switched, ..
        } => format!(
            "wait{}{}",
            if notified { "(signalled)" } else { "" },
            if switched { "(switched)" } else { "" }
        ),
        Pc::Acquired => "acquired".into(),
        Pc::Eval => "eval".into(),
        Pc::Release { after } => format!("release{}", exit(after)),
        Pc::HandoffRead { after, .. } => format!("handoff-read{}", exit(after)),
        Pc::HandoffLock { after } => format!("handoff-lock{}", exit(after)),
        Pc::Detached => "detached".into(),
        Pc::SwitchWait { notified, after } => format!(
            "switch-wait{}{}",
            if notified { "(signalled)" } else { "" },
            exit(after)
        ),
        Pc::Done => "done".into(),
        Pc::Hung => "hung".into(),
    }
}

