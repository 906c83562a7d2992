//! Where the command line writes: its results to standard output, one line per problem to
//! standard error, and the exit code of an error.

use crate::error::{Error, ErrorKind};
use std::io::Write;

/// Writes `text` to standard output. A reader that closed the pipe ends the command quietly
/// (exit 2); any other failure is an I/O error.
pub fn emit(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Error::io(""),
            _ => Error::io(format!("cannot write standard output: {e}")),
        })
}

/// One line on stderr; a failure to write it is ignored (there is nowhere left to say so).
pub fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Reports `error` on stderr (one line) and returns its exit code.
pub fn fail(error: &Error) -> i32 {
    match error.kind {
        _ if error.message.is_empty() => {}
        ErrorKind::Limit => note(&error.message),
        ErrorKind::BadInput | ErrorKind::Io => note(&format!("error: {}", error.message)),
    }
    error.exit_code()
}
