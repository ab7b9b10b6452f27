pub mod data;
pub mod eval;
pub mod nn;
pub mod spec;
