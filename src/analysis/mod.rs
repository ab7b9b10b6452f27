//! Every statistic a user reads, as pure functions of finished runs: no I/O, no printing.
//!
//! - [`metric`]: typed metrics (split, forecaster, measure, direction) instead of column names;
//! - [`stats`]: mean, sample spread, relative change;
//! - [`summary`]: seeds folded per configuration and the ranking;
//! - [`ensemble`]: seed ensembles scored on the seeds' common points;
//! - [`backtest`]: fold-by-fold figures and the choice made before the test part;
//! - [`sweep`]: [`SweepAnalysis`], the whole of it for one sweep (best configuration,
//!   baselines beside it, failures);
//! - [`comparison`]: one folder's ranking, two folders matched;
//! - [`welch`], [`paired`] and [`gate`]: the regression gate's tests and verdicts.
//!
//! Inputs are `store` records; outputs are plain values that `render` turns into text,
//! tables and plots.

pub mod backtest;
pub mod comparison;
pub mod ensemble;
pub mod gate;
pub mod metric;
pub mod paired;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod welch;

pub use metric::{Baseline, Direction, Forecaster, Measure, Metric, Split};
pub use summary::{ConfigSummary, MetricSummary};
pub use sweep::SweepAnalysis;
