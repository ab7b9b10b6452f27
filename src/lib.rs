//! runner: a declarative experiment-pipeline runner for recurrent time-series forecasters.
//!
//! Layers, each readable and testable alone (dependencies point one way):
//! `pipeline → {spec, data, train, eval, results, plot}`, `train → nn`.

pub mod data;
pub mod eval;
pub mod nn;
pub mod pipeline;
pub mod plot;
pub mod results;
pub mod spec;
pub mod train;
