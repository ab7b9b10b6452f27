//! runner: a declarative experiment-pipeline runner for recurrent time-series forecasters.

pub mod data;
pub mod eval;
pub mod nn;
pub mod plot;
pub mod results;
pub mod spec;
pub mod train;
