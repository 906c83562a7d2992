//! What a check is asked to do and the limits it stops at. Every part of a check (the search,
//! the state graph for liveness and counting, and the analyses on it) stops at the same limits,
//! and a whole command shares one deadline.

use crate::model::Fairness;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The most threads that compute successors (`--workers`): more only adds overhead.
pub const MAX_WORKERS: usize = 256;

/// A point in time by which a run must stop, and the budget it was set from (for messages).
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Option<Instant>,
    seconds: f64,
}

impl Deadline {
    /// `seconds` from now. A budget too large to represent never expires.
    pub fn after(seconds: f64) -> Deadline {
        let at = Duration::try_from_secs_f64(seconds)
            .ok()
            .and_then(|budget| Instant::now().checked_add(budget));
        Deadline { at, seconds }
    }

    /// The time limit, in words, once the deadline has passed.
    pub fn expired(&self) -> Option<String> {
        self.at
            .filter(|&at| Instant::now() >= at)
            .map(|_| format!("time limit {} s reached", self.seconds))
    }
}

/// Search options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Store one representative per class of states equal up to thread renaming.
    pub symmetry: bool,
    /// Stop (verdicts become inconclusive) when a search needs more states than this.
    pub max_states: usize,
    /// Stop (verdicts become inconclusive) at this point in time; `None`: no time limit.
    pub deadline: Option<Deadline>,
    /// Check every liveness property under this fairness instead of its own.
    pub fairness: Option<Fairness>,
    /// Stop (verdicts become inconclusive) once the visited set (and the state graph) hold
    /// this many bytes.
    pub max_memory: usize,
    /// Bytes an earlier phase of the same check still holds, counted against `max_memory`
    /// (the visited set, while the graph for liveness is built).
    pub memory_held: usize,
    /// Threads that compute successors (results do not depend on it).
    pub workers: usize,
    /// Decide per-thread properties for every thread, also when the model's threads are
    /// interchangeable and T0 alone would do (`Model::symmetric`); for testing that symmetry.
    pub all_threads: bool,
    /// Check only these property IDs (all when empty).
    pub properties: Vec<String>,
    /// Where the check counts the states it has stored so far, for a progress display.
    pub progress: Option<Arc<AtomicUsize>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            symmetry: false,
            max_states: 500_000_000,
            deadline: None,
            fairness: None,
            max_memory: default_max_memory(),
            memory_held: 0,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            all_threads: false,
            properties: Vec::new(),
            progress: None,
        }
    }
}

impl Options {
    /// The time limit, in words, once the deadline has passed.
    pub fn out_of_time(&self) -> Option<String> {
        self.deadline.as_ref().and_then(Deadline::expired)
    }

    /// The time or memory limit a run holding `bytes` has passed, in words.
    pub fn exceeded(&self, bytes: usize) -> Option<String> {
        if let Some(limit) = self.out_of_time() {
            return Some(limit);
        }
        (bytes.saturating_add(self.memory_held) > self.max_memory).then(|| {
            format!(
                "memory limit {} MiB reached",
                self.max_memory / (1024 * 1024)
            )
        })
    }

    /// The state limit, in words, once a search needs `states` states.
    pub fn too_many(&self, states: usize) -> Option<String> {
        (states > self.max_states).then(|| format!("state limit {} reached", self.max_states))
    }

    /// Tells the progress display that `states` states are stored.
    pub fn report_progress(&self, states: usize) {
        if let Some(progress) = &self.progress {
            progress.store(states, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Whether property `id` is to be checked.
    pub fn wants(&self, id: &str) -> bool {
        self.properties.is_empty() || self.properties.iter().any(|p| p == id)
    }
}

/// Half the memory available when the search starts (from /proc/meminfo), or 4 GiB where that
/// cannot be read: a search stops, inconclusive, well before the machine runs out. Never less
/// than `MIN_DEFAULT_MEMORY`, so that a moment of memory pressure (a build beside the check)
/// does not make a search of a few thousand states inconclusive.
fn default_max_memory() -> usize {
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        });
    available.map_or(4 << 30, |bytes| (bytes / 2).max(MIN_DEFAULT_MEMORY))
}

/// The least default memory limit: 64 MiB.
const MIN_DEFAULT_MEMORY: usize = 64 << 20;

#[cfg(test)]
mod tests {
    use super::{Deadline, Options};

    #[test]
    fn a_deadline_has_passed_only_once_its_time_is_up() {
        let now = Deadline::after(0.0);
        assert_eq!(now.expired().as_deref(), Some("time limit 0 s reached"));
        assert_eq!(Deadline::after(3600.0).expired(), None);
        // A budget too large to represent never expires.
        assert_eq!(Deadline::after(f64::INFINITY).expired(), None);
        let passed = Options {
            deadline: Some(now),
            ..Options::default()
        };
        assert_eq!(
            passed.out_of_time().as_deref(),
            Some("time limit 0 s reached")
        );
        assert_eq!(
            passed.exceeded(0).as_deref(),
            Some("time limit 0 s reached")
        );
        let later = Options {
            deadline: Some(Deadline::after(3600.0)),
            ..Options::default()
        };
        assert_eq!(later.out_of_time(), None);
        assert_eq!(later.exceeded(0), None);
        assert_eq!(Options::default().out_of_time(), None);
    }

    #[test]
    fn the_state_limit_allows_that_many_states_and_the_memory_limit_that_many_bytes() {
        let options = Options {
            max_states: 10,
            max_memory: 3 << 20,
            ..Options::default()
        };
        assert_eq!(options.too_many(10), None);
        assert_eq!(
            options.too_many(11).as_deref(),
            Some("state limit 10 reached")
        );
        assert_eq!(options.exceeded(1000), None);
        assert_eq!(
            options.exceeded((3 << 20) + 1).as_deref(),
            Some("memory limit 3 MiB reached")
        );
    }

    #[test]
    fn no_property_named_means_every_property() {
        let all = Options::default();
        assert!(all.wants("GIL-S1") && all.wants("anything"));
        let some = Options {
            properties: vec!["GIL-S1".into(), "GIL-L2".into()],
            ..Options::default()
        };
        assert!(some.wants("GIL-S1") && some.wants("GIL-L2"));
        assert!(!some.wants("GIL-S2") && !some.wants("GIL"));
    }

    /// The default memory limit is half of what /proc/meminfo says is available (memory
    /// comes and goes between the two readings: within a tenth), never under 64 MiB, or 4 GiB
    /// without it.
    #[test]
    fn the_default_memory_limit_is_half_the_memory_available() {
        let limit = Options::default().max_memory;
        let available = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|info| {
                let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
                let kib = line.trim_end_matches("kB").split(':').nth(1)?.trim();
                kib.parse::<f64>().ok().map(|kib| kib * 1024.0)
            });
        match available {
            Some(bytes) if bytes / 2.0 > 1.1 * super::MIN_DEFAULT_MEMORY as f64 => {
                let ratio = limit as f64 / bytes;
                assert!((0.45..0.55).contains(&ratio), "{limit} of {bytes}");
            }
            Some(_) => assert!(limit >= super::MIN_DEFAULT_MEMORY),
            None => assert_eq!(limit, 4 << 30),
        }
    }
}
