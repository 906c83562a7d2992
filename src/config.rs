//! The bounds a model is instantiated with: a number of threads, which every model has, and the
//! model's own named settings (a number of objects, whether threads may finish, whether waits may
//! wake spuriously, whatever a model needs). A model declares its settings (`Setting`); the
//! command line, the catalogue and saved traces carry them by name, so a new setting needs no
//! change outside the model that declares it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::RangeInclusive;

/// The value of one setting: a count or a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A count (objects, rounds...).
    Count(u32),
    /// A flag (on or off).
    Flag(bool),
}

/// Threads and named settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Number of threads the model runs.
    pub threads: usize,
    /// The model's settings by name; a setting left out has its declared default.
    #[serde(flatten)]
    pub settings: BTreeMap<String, Value>,
}

impl Config {
    /// `threads` threads, every setting at its default.
    pub fn threads(threads: usize) -> Config {
        Config {
            threads,
            settings: BTreeMap::new(),
        }
    }

    /// This configuration with setting `name` set to `value` (a `u32` count or a `bool` flag).
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Config {
        self.settings.insert(name.to_string(), value.into());
        self
    }

    /// The bounds in words, e.g. `3 threads, 2 objects, finite`: counts as `<n> <name>`
    /// (singular for 1), flags that are on by their name.
    pub fn bounds(&self) -> String {
        let plural = |n: usize, what: &str| match n {
            1 => format!("1 {}", what.strip_suffix('s').unwrap_or(what)),
            n => format!("{n} {what}"),
        };
        let mut words = vec![plural(self.threads, "threads")];
        for (name, value) in &self.settings {
            match value {
                Value::Count(n) => words.push(plural(*n as usize, name)),
                Value::Flag(true) => words.push(name.replace('-', " ")),
                Value::Flag(false) => {}
            }
        }
        words.join(", ")
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::Count(n)
    }
}

impl From<bool> for Value {
    fn from(on: bool) -> Value {
        Value::Flag(on)
    }
}

/// What kind of setting it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingKind {
    /// A bound: `prove` checks the default, `prove --deep` one more.
    Count {
        /// The values accepted.
        range: RangeInclusive<u32>,
        /// The value used when the setting is not given.
        default: u32,
    },
    /// A choice of the model's environment, off by default.
    Flag {
        /// Whether turning it on relaxes an assumption that liveness verdicts rest on (for
        /// example letting condition waits wake spuriously): `prove` then checks the default
        /// variant with it on, for the assumption-sensitivity table.
        relaxes: bool,
    },
}

/// A setting a model declares: its name on the command line (`--<name>`), what it means, and
/// what values it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Its name (`objects`, `finite`, `spurious-wakeups`).
    pub name: &'static str,
    /// What it changes, in one line.
    pub summary: &'static str,
    /// Its kind.
    pub kind: SettingKind,
}

impl Setting {
    /// A count setting.
    pub const fn count(
        name: &'static str,
        summary: &'static str,
        range: RangeInclusive<u32>,
        default: u32,
    ) -> Setting {
        Setting {
            name,
            summary,
            kind: SettingKind::Count { range, default },
        }
    }

    /// A flag, off by default.
    pub const fn flag(name: &'static str, summary: &'static str) -> Setting {
        Setting {
            name,
            summary,
            kind: SettingKind::Flag { relaxes: false },
        }
    }

    /// A flag that relaxes an assumption liveness verdicts rest on.
    pub const fn relaxation(name: &'static str, summary: &'static str) -> Setting {
        Setting {
            name,
            summary,
            kind: SettingKind::Flag { relaxes: true },
        }
    }

    /// This count setting's value in `config` (its default when `config` leaves it out).
    pub fn value_in(&self, config: &Config) -> usize {
        match config
            .settings
            .get(self.name)
            .copied()
            .unwrap_or(self.default_value())
        {
            Value::Count(n) => n as usize,
            Value::Flag(on) => on as usize,
        }
    }

    /// Whether this flag is on in `config` (off when `config` leaves it out).
    pub fn is_on(&self, config: &Config) -> bool {
        config.settings.get(self.name) == Some(&Value::Flag(true))
    }

    /// Its default value.
    pub fn default_value(&self) -> Value {
        match &self.kind {
            SettingKind::Count { default, .. } => Value::Count(*default),
            SettingKind::Flag { .. } => Value::Flag(false),
        }
    }

    /// `Ok` when `value` is one this setting takes, else why not.
    pub fn accepts(&self, value: Value) -> Result<(), String> {
        match (&self.kind, value) {
            (SettingKind::Count { range, .. }, Value::Count(n)) if range.contains(&n) => Ok(()),
            (SettingKind::Count { range, .. }, _) => Err(format!(
                "takes {} to {} {}",
                range.start(),
                range.end(),
                self.name
            )),
            (SettingKind::Flag { .. }, Value::Flag(_)) => Ok(()),
            (SettingKind::Flag { .. }, _) => Err(format!("--{} is a flag", self.name)),
        }
    }

    /// Reads a value of this setting from the command line (`None`: given without a value).
    pub fn parse(&self, text: Option<&str>) -> Result<Value, String> {
        let value = match (&self.kind, text) {
            (SettingKind::Flag { .. }, None | Some("true")) => Value::Flag(true),
            (SettingKind::Flag { .. }, Some("false")) => Value::Flag(false),
            (SettingKind::Count { .. }, Some(text)) => text
                .parse()
                .map(Value::Count)
                .map_err(|_| format!("--{} takes a number, not '{text}'", self.name))?,
            (SettingKind::Count { .. }, None) => {
                return Err(format!("--{} needs a value", self.name))
            }
            (SettingKind::Flag { .. }, Some(text)) => {
                return Err(format!("--{} is a flag, not '{text}'", self.name))
            }
        };
        self.accepts(value).map(|()| value)
    }
}
