use std::path::PathBuf;

/// Everything that can go wrong while reading or preparing a series. Messages name the
/// file, the 1-based data row and file line, and the column, so a user can fix the input.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: malformed CSV: {message}", path.display())]
    Csv { path: PathBuf, message: String },
    /// The file's bytes are not those its runs' identities were computed from: it was
    /// edited between loading the experiment and reading the series.
    #[error("{}: the file changed while runner was reading it; run again once it is written", path.display())]
    Changed { path: PathBuf },
    #[error("{}: no column `{column}` in the header; available columns: {}", path.display(), quoted_list(available))]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: Vec<String>,
    },
    #[error("{}: data row {row} (line {line}), column `{column}`: {problem}", path.display())]
    BadCell {
        path: PathBuf,
        /// 1-based index among the data rows (the header is not counted).
        row: usize,
        /// 1-based line in the file (the header is line 1).
        line: u64,
        column: String,
        problem: String,
    },
    #[error("{}: column `{column}` has no values{hint}", path.display())]
    NoValues {
        path: PathBuf,
        column: String,
        hint: &'static str,
    },
    /// A series outside what the f32 engine can represent; `origin` names the CSV file and
    /// column, or the generator and the keys that set its size.
    #[error("{origin}: {problem}")]
    OutOfRange {
        origin: String,
        problem: super::limits::OutOfRange,
    },
    #[error(
        "lookback and horizon must be at least 1, found lookback {lookback} and horizon {horizon}"
    )]
    EmptyWindow { lookback: usize, horizon: usize },
    #[error("`transform.log` needs positive values, but the value at index {index} (data row {}) is {value}", index + 1)]
    NotPositive { index: usize, value: f64 },
    #[error("{0}")]
    Split(#[from] super::split::SplitError),
    #[error("the {part} part has {len} points but a window needs lookback + horizon = {needed}")]
    TooShort {
        part: &'static str,
        len: usize,
        needed: usize,
    },
    /// A panel that cannot be prepared (a series with nothing to forecast from).
    #[error("{0}")]
    Panel(String),
    /// A problem preparing one fold of a backtest (1-based `fold`).
    #[error("backtest fold {fold} of {folds} (the first {end} points): {source}")]
    Fold {
        fold: usize,
        folds: usize,
        end: usize,
        source: Box<DataError>,
    },
}

pub(crate) fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
