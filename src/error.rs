//! The one error type of the command line and the catalogue, with the kind that decides the
//! exit code: bad input and I/O errors exit 2, a limit that left a verdict undecided exits 3.

use std::fmt;

/// What went wrong, as far as a script calling gilcheck needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user's input: an unknown model, variant or property, bounds out of range, a file
    /// that is not a trace, a target directory gilcheck may not write.
    BadInput,
    /// Reading or writing a file or a stream failed.
    Io,
    /// A state, time or memory limit left some verdict inconclusive.
    Limit,
}

/// An error with its kind and one line for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What kind of failure it is.
    pub kind: ErrorKind,
    /// One line saying what failed (empty: nothing to say, as when a reader closed the pipe).
    pub message: String,
}

impl Error {
    /// Bad input from the user.
    pub fn bad_input(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::BadInput,
            message: message.into(),
        }
    }

    /// A failed read or write.
    pub fn io(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Io,
            message: message.into(),
        }
    }

    /// A limit that left verdicts inconclusive.
    pub fn limit(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Limit,
            message: message.into(),
        }
    }

    /// The exit code: 2 for bad input and I/O errors, 3 for a limit reached.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::BadInput | ErrorKind::Io => 2,
            ErrorKind::Limit => 3,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
