//! Scores the competitions' classical benchmarks (naive, seasonal naive, Naive2, SES, Theta;
//! `runner::eval::classical`) on a competition long CSV, the way the M4 scores them.
//!
//! `cargo run --release --example competition_benchmarks -- --file
//! /work/shared/data/competitions/tourism_quarterly.csv --h 8 --m 4`
//!
//! The CSV has columns `series,index,value`, the rows of one series contiguous and in time
//! order. The last `h` points of every series are its test part; each method fits on the
//! rest. Prints sMAPE and MASE averaged over the horizon then over the series, and OWA
//! relative to Naive2 (from those averages, as the M4 does), plus the wall time.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Parser;
use rayon::prelude::*;
use runner::eval::classical::{self, mase, owa, smape};

#[derive(Parser)]
struct Args {
    /// Competition long CSV (`series,index,value`).
    #[arg(long)]
    file: PathBuf,
    /// Forecast horizon: the last `h` points of each series are the test part.
    #[arg(long)]
    h: usize,
    /// Season length (1 for yearly, 4 quarterly, 12 monthly).
    #[arg(long)]
    m: usize,
}

const METHODS: [&str; 5] = ["Naive", "SeasonalNaive", "Naive2", "SES", "Theta"];

fn forecasts(train: &[f64], h: usize, m: usize) -> [Vec<f64>; 5] {
    [
        classical::naive(train, h),
        classical::seasonal_naive(train, h, m),
        classical::naive2(train, h, m),
        classical::ses(train, h),
        classical::theta(train, h, m),
    ]
}

/// Series in file order, each its values in time order.
fn read_series(file: &PathBuf) -> Result<Vec<(String, Vec<f64>)>> {
    let mut reader =
        csv::Reader::from_path(file).with_context(|| format!("reading {}", file.display()))?;
    let mut out: Vec<(String, Vec<f64>)> = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row?;
        let (Some(name), Some(value)) = (row.get(0), row.get(2)) else {
            bail!("row {}: expected series,index,value", i + 2);
        };
        let value: f64 = value
            .trim()
            .parse()
            .with_context(|| format!("row {}: value {value:?}", i + 2))?;
        match out.last_mut() {
            Some((last, values)) if last == name => values.push(value),
            _ => {
                if out.iter().any(|(n, _)| n == name) {
                    bail!("row {}: series {name} is not contiguous", i + 2);
                }
                out.push((name.to_string(), vec![value]));
            }
        }
    }
    Ok(out)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let total = Instant::now();
    let series = read_series(&args.file)?;
    let (h, m) = (args.h, args.m);
    if let Some((name, _)) = series.iter().find(|(_, v)| v.len() <= h) {
        bail!("series {name} has no more than h = {h} points");
    }
    let start = Instant::now();
    // Per series: (sMAPE, MASE) of each method.
    let scores: Vec<[(f64, f64); 5]> = series
        .par_iter()
        .map(|(_, values)| {
            let (train, test) = values.split_at(values.len() - h);
            forecasts(train, h, m).map(|f| (smape(test, &f), mase(test, &f, train, m)))
        })
        .collect();
    let elapsed = start.elapsed();

    let n = scores.len() as f64;
    let mean = |i: usize| -> (f64, f64) {
        let s = scores.iter().map(|r| r[i].0).sum::<f64>() / n;
        let q = scores.iter().map(|r| r[i].1).sum::<f64>() / n;
        (s, q)
    };
    let (s2, q2) = mean(2);
    println!(
        "{}: {} series, h = {h}, m = {m}",
        args.file.display(),
        scores.len()
    );
    println!("| model | sMAPE | MASE | OWA |");
    println!("|---|---:|---:|---:|");
    for (i, name) in METHODS.iter().enumerate() {
        let (s, q) = mean(i);
        println!("| {name} | {s:.3} | {q:.3} | {:.3} |", owa(s, q, s2, q2));
    }
    let nonfinite = scores
        .iter()
        .flatten()
        .filter(|(s, q)| !s.is_finite() || !q.is_finite())
        .count();
    if nonfinite > 0 {
        println!("warning: {nonfinite} non-finite per-series scores");
    }
    println!(
        "wall time: fit, forecast and score {:.3} s on {} threads; with reading the file {:.3} s",
        elapsed.as_secs_f64(),
        rayon::current_num_threads(),
        total.elapsed().as_secs_f64()
    );
    Ok(())
}
