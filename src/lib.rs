//! runner: a declarative experiment-pipeline runner for recurrent time-series forecasters.

pub mod nn;
pub mod plot;
pub mod results;
pub mod train;
