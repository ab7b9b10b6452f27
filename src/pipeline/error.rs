//! The two ways an invocation can fail, and their exit codes.

use std::fmt;

/// Bad input (exit 2, nothing written) or a failure while running (exit 1).
#[derive(Debug)]
pub enum Error {
    /// The experiment file, an override or the data it names is wrong: the user must fix it.
    BadInput(String),
    /// Something failed while training or writing results.
    Failed(String),
}

impl Error {
    pub fn bad_input(e: impl fmt::Display) -> Self {
        Error::BadInput(e.to_string())
    }

    pub fn failed(e: impl fmt::Display) -> Self {
        Error::Failed(e.to_string())
    }

    /// 2 for bad input (like a usage error), 1 for a failure while running.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::BadInput(_) => 2,
            Error::Failed(_) => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadInput(m) | Error::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}
