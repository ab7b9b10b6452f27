//! Forecast accuracy in original units, next to simple baselines (naive, seasonal naive,
//! drift, linear AR, and naive and linear AR in the network's transformed space) forecasting
//! the same points. Knows nothing of the network: it compares numbers.

pub mod baselines;
/// Competition benchmarks (naive, seasonal naive, Naive2, SES, Theta) and sMAPE, MASE, OWA.
pub mod classical;
/// Per-series benchmarks and accuracy at a forecast origin, for panels.
pub mod competition;
pub mod metrics;
pub mod scaled;

pub use baselines::{baselines, BaselineError, Baselines, DirectAr, LinearAr};
pub use metrics::{evaluate, Metrics};
