//! Forecast accuracy in original units, next to the naive last-value baseline.
//! Knows nothing of the network: it compares numbers.

pub mod metrics;

pub use metrics::{evaluate, Metrics};
