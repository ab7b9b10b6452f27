use std::fmt;
use std::path::PathBuf;

/// Where a problem's key was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// 1-based line and column in the experiment file.
    File { line: usize, column: usize },
    /// A `--set key=value` argument, as given.
    Set { arg: String },
    /// Not written anywhere: a default, or a required key that is absent.
    Unwritten,
}

/// One thing wrong with an experiment, naming its dotted key (`window.lookback`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path of the offending key.
    pub key: String,
    /// A full sentence naming the key in backticks.
    pub message: String,
    pub origin: Origin,
}

impl Problem {
    pub(crate) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
            origin: Origin::Unwritten,
        }
    }
}

/// Why an experiment file cannot be run. `Display` gives the user everything: file,
/// line and column, the key, what is wrong and, where possible, the fix.
#[derive(Debug)]
pub enum SpecError {
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    Syntax {
        path: PathBuf,
        /// 1-based; `None` when the parser gave no position.
        position: Option<(usize, usize)>,
        message: String,
        /// The offending line, for context.
        source_line: Option<String>,
    },
    /// Valid TOML but not a valid experiment: every problem found, in file order.
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

impl SpecError {
    /// The problems of an `Invalid` error (empty for the other kinds).
    pub fn problems(&self) -> &[Problem] {
        match self {
            SpecError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

impl std::error::Error for SpecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpecError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            SpecError::Syntax {
                path,
                position,
                message,
                source_line,
            } => {
                match position {
                    Some((line, column)) => write!(
                        f,
                        "{}:{line}:{column}: invalid TOML: {message}",
                        path.display()
                    )?,
                    None => write!(f, "{}: invalid TOML: {message}", path.display())?,
                }
                if let (Some((line, column)), Some(text)) = (position, source_line) {
                    let gutter = line.to_string().len();
                    write!(f, "\n{line} | {text}\n{:gutter$} | {:>column$}", "", "^")?;
                }
                Ok(())
            }
            SpecError::Invalid { path, problems } => {
                let location = |p: &Problem| match &p.origin {
                    Origin::File { line, column } => format!("{}:{line}:{column}", path.display()),
                    Origin::Set { arg } => format!("--set {arg}"),
                    Origin::Unwritten => path.display().to_string(),
                };
                if let [only] = problems.as_slice() {
                    return write!(f, "{}: {}", location(only), only.message);
                }
                write!(f, "{}: {} problems", path.display(), problems.len())?;
                for p in problems {
                    write!(f, "\n  {}: {}", location(p), p.message)?;
                }
                Ok(())
            }
        }
    }
}
