//! Every statistic a user reads, as pure functions of finished runs: no I/O, no printing.
//!
//! - [`metric`]: typed metrics (split, forecaster, measure, direction) instead of column names;
//! - [`stats`]: mean, sample spread, relative change;
//! - [`summary`]: seeds folded per configuration and the ranking;
//! - [`ensemble`]: seed ensembles scored on the seeds' common points;
//! - [`backtest`]: fold-by-fold figures and the choice made before the test part;
//! - [`selection`]: the protocol (what configurations are ranked by, on which data) and each
//!   run's selection columns beside its held-out test figures;
//! - [`choice`]: the answer: the chosen configuration, the baselines beside it on the same
//!   points, the runner-up, a baseline as the answer when it wins on the selection data;
//! - [`held_out`]: how sure a held-out win is (DM tests of the seed ensembles' forecasts);
//! - [`sweep`]: [`SweepAnalysis`], the whole of it for one sweep (ranking, choice, failures);
//! - [`comparison`]: one folder's ranking, two folders matched;
//! - [`welch`], [`paired`] and [`gate`]: the regression gate's tests and verdicts;
//! - [`diebold_mariano`]: two forecasts of the same points compared by their losses
//!   (Diebold-Mariano with the Harvey-Leybourne-Newbold correction).
//!
//! Inputs are `store` records; outputs are plain values that `render` turns into text,
//! tables and plots.

pub mod backtest;
pub mod choice;
pub mod comparison;
pub mod conformal;
pub mod diebold_mariano;
pub mod ensemble;
pub mod gate;
pub mod held_out;
pub mod metric;
pub mod paired;
pub mod panel;
pub mod selection;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod welch;

pub use metric::{Baseline, Direction, Forecaster, Measure, Metric, Split};
pub use summary::{ConfigSummary, MetricSummary};
pub use sweep::SweepAnalysis;
