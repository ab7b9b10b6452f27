pub mod nn;
