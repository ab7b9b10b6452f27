//! runner: a declarative experiment-pipeline runner for recurrent time-series forecasters.
//!
//! Layers, each readable and testable alone (dependencies point one way):
//! `pipeline → {spec, data, train, eval, analysis, store, render, plot}`, `train → nn`,
//! `eval → data`, `render → {analysis, store, plot}`, `analysis → store`. See
//! docs/architecture.md. Console output goes through [`out`], which ignores closed streams.

// Console output goes through `out`, which ignores a closed stream; `print!` and `eprintln!`
// panic on one (tests may print).
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod analysis;
pub mod data;
pub mod eval;
pub mod nn;
pub mod out;
pub mod pipeline;
pub mod plot;
pub mod render;
pub mod saved;
pub mod spec;
pub mod store;
pub mod train;
