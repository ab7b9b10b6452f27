//! What a panel sweep shows a person: the console headline, `report.md` and the summary
//! table, rendered from [`PanelAnalysis`]. Figures are written as the competitions' tables
//! write them: sMAPE with two decimals, MASE and OWA with three.

use std::path::Path;

use anyhow::Result;
use polars_core::prelude::{Column, DataFrame};

use super::console::{totals_line, Totals};
use super::format::{cell, config_name, duration, mean_std, p_value};
use crate::analysis::panel::{PanelAnalysis, PanelConfig, PanelScore};
use crate::store::layout::{REPORT_MD, SUMMARY_CSV, SUMMARY_PARQUET};
use crate::store::tables::{write_csv, write_parquet};

/// How people read the benchmarks' keys.
fn benchmark_name(key: &str) -> &'static str {
    match key {
        "naive" => "Naive",
        "seasonal_naive" => "Seasonal naive",
        "naive2" => "Naive2",
        "ses" => "SES",
        "theta" => "Theta",
        _ => "?",
    }
}

fn fixed(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        "-".to_string()
    }
}

fn score_cells(s: &PanelScore) -> [String; 3] {
    [fixed(s.smape, 2), fixed(s.mase, 3), fixed(s.owa, 3)]
}

/// `0.891 ± 0.011 over 3 seeds`, the single seeds' test OWA.
fn seed_spread(c: &PanelConfig) -> String {
    let plural = if c.ok == 1 { "" } else { "s" };
    format!(
        "{} over {} seed{plural}",
        mean_std(c.seed_test_owa.0, c.seed_test_owa.1),
        c.ok
    )
}

/// The headline lines: the chosen configuration's test figures beside the benchmarks'.
fn headline(name: &str, a: &PanelAnalysis) -> Vec<String> {
    let Some(c) = a.chosen() else {
        return vec![format!("{name}: no configuration finished")];
    };
    let measure = a.protocol.measure_name();
    let theta = a.benchmarks.iter().find(|(k, _, _)| *k == "theta");
    let naive2 = a.benchmarks.iter().find(|(k, _, _)| *k == "naive2");
    let mut lines = vec![format!(
        "{name}: chosen on {} by {measure}: {} ({} seed{}); test, {} series: sMAPE {}, MASE {}, OWA {}",
        a.protocol.ranked_on(),
        config_name(&c.config),
        c.ok,
        if c.ok == 1 { "" } else { "s" },
        c.test.series,
        fixed(c.test.smape, 2),
        fixed(c.test.mase, 3),
        fixed(c.test.owa, 3),
    )];
    let beside: Vec<String> = [naive2, theta]
        .into_iter()
        .flatten()
        .map(|(k, _, t)| {
            format!(
                "{} sMAPE {}, MASE {}, OWA {}",
                benchmark_name(k),
                fixed(t.smape, 2),
                fixed(t.mase, 3),
                fixed(t.owa, 3)
            )
        })
        .collect();
    if !beside.is_empty() {
        lines.push(format!("  beside {}", beside.join("; ")));
    }
    lines
}

/// What `runner` prints when a panel sweep finishes.
pub fn panel_summary(name: &str, a: &PanelAnalysis, t: &Totals) -> String {
    let mut out = String::new();
    for l in headline(name, a) {
        out.push_str(&l);
        out.push('\n');
    }
    for (label, status, reason) in &a.failed {
        out.push_str(&format!("{label}: {status} - {reason}\n"));
    }
    out.push_str(&totals_line(t));
    out
}

/// `report.md` of a panel sweep.
pub fn panel_report(
    name: &str,
    description: &str,
    h: usize,
    a: &PanelAnalysis,
    wall_seconds: f64,
) -> String {
    let mut md = format!("# {name}\n\n");
    if !description.trim().is_empty() {
        md.push_str(description.trim());
        md.push_str("\n\n");
    }
    md.push_str(&format!(
        "A panel of {} series; each is scored on its last {h} points (the test part), \
         forecast in one step from the points before. Per series: sMAPE \
         (200·|y − f| / (|y| + |f|), mean over the horizon) and MASE (in-sample seasonal naive \
         scale); over series: their means, and OWA = (sMAPE / Naive2's + MASE / Naive2's) / 2, \
         as in the M4 competition. The benchmarks are fitted per series on the same points.\n\n",
        a.series
    ));
    for split in ["test", "validation"] {
        let here: Vec<&(String, String, usize)> =
            a.fallbacks.iter().filter(|(s, _, _)| s == split).collect();
        let n: usize = here.iter().map(|(_, _, n)| n).sum();
        if n == 0 {
            continue;
        }
        let why: Vec<String> = here
            .iter()
            .map(|(_, kind, k)| format!("{k} {}", cell(kind)))
            .collect();
        md.push_str(&format!(
            "In the chosen configuration, {n} of {} series were forecast by Naive2 on the {split} \
             part in some seed ({}); they are scored like the others.\n\n",
            a.series,
            why.join(", ")
        ));
    }
    md.push_str("## Answer\n\n");
    match a.chosen() {
        None => md.push_str("No configuration finished.\n\n"),
        Some(c) => {
            md.push_str(&format!(
                "Chosen on {} by the seed ensemble's {}: **{}**. The test part below was \
                 never seen by the choice{}.\n\n",
                a.protocol.ranked_on(),
                a.protocol.measure_name(),
                cell(&config_name(&c.config)),
                if a.protocol.optimistic() {
                    " — except that here it was: the ranking used the test part, so the \
                     figure is optimistic (set `split.validation`)"
                } else {
                    ""
                }
            ));
            md.push_str("| forecaster | sMAPE | MASE | OWA |\n|---|---:|---:|---:|\n");
            let [s, m, o] = score_cells(&c.test);
            md.push_str(&format!(
                "| **runner** ({} seed ensemble) | **{s}** | **{m}** | **{o}** |\n",
                c.ok
            ));
            for (key, _, t) in &a.benchmarks {
                let [s, m, o] = score_cells(t);
                md.push_str(&format!("| {} | {s} | {m} | {o} |\n", benchmark_name(key)));
            }
            md.push_str(&format!(
                "\nA single seed of it: test OWA {}.\n\n",
                seed_spread(c)
            ));
            if !a.tests.is_empty() {
                md.push_str(
                    "Per-series sMAPE of the ensemble minus each benchmark's, paired t-test \
                     over series (negative: runner is better):\n\n",
                );
                for (key, t) in &a.tests {
                    match t {
                        Some(t) => md.push_str(&format!(
                            "- vs {}: mean {:+.2} over {} series ({})\n",
                            benchmark_name(key),
                            t.mean,
                            t.n,
                            p_value(t.p)
                        )),
                        None => md.push_str(&format!(
                            "- vs {}: no test (too few series)\n",
                            benchmark_name(key)
                        )),
                    }
                }
                md.push('\n');
            }
        }
    }
    md.push_str(&format!(
        "## Configurations\n\nRanked by the seed ensemble's {} on {}. The test columns are \
         shown for information; the ranking does not read them.\n\n",
        a.protocol.measure_name(),
        a.protocol.ranked_on()
    ));
    md.push_str(
        "| rank | configuration | runs ok | validation sMAPE | validation OWA | test sMAPE | test MASE | test OWA |\n\
         |---:|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for (i, c) in a.configs.iter().enumerate() {
        let (vs, vo) = c.validation.map_or(("-".into(), "-".into()), |v| {
            (fixed(v.smape, 2), fixed(v.owa, 3))
        });
        let [s, m, o] = score_cells(&c.test);
        md.push_str(&format!(
            "| {} | {} | {}/{} | {vs} | {vo} | {s} | {m} | {o} |\n",
            i + 1,
            cell(&config_name(&c.config)),
            c.ok,
            c.runs
        ));
    }
    if let Some((_, Some(_), _)) = a.benchmarks.first() {
        md.push_str("\nThe benchmarks on the validation part: ");
        let parts: Vec<String> = a
            .benchmarks
            .iter()
            .filter_map(|(k, v, _)| {
                v.map(|v| format!("{} OWA {}", benchmark_name(k), fixed(v.owa, 3)))
            })
            .collect();
        md.push_str(&parts.join(", "));
        md.push_str(".\n");
    }
    if !a.failed.is_empty() {
        md.push_str("\n## Failed runs\n\n");
        for (label, status, reason) in &a.failed {
            md.push_str(&format!("- {}: {status}: {}\n", cell(label), cell(reason)));
        }
    }
    md.push_str(&format!(
        "\n---\nPer-series figures of every run: `series.csv` / `series.parquet`; forecasts: \
         `predictions.parquet` (column `series`). Wall time {}.\n",
        duration(wall_seconds)
    ));
    md
}

/// `summary.csv` / `summary.parquet` of a panel sweep: one row per configuration, in rank
/// order, with the seed ensemble's validation and test sMAPE, MASE and OWA (nullable).
pub fn write_panel_summary(dir: &Path, a: &PanelAnalysis) -> Result<()> {
    let finite = |v: f64| v.is_finite().then_some(v);
    let column = |name: &str, f: &dyn Fn(&PanelConfig) -> Option<f64>| {
        Column::new(
            name.into(),
            a.configs.iter().map(f).collect::<Vec<Option<f64>>>(),
        )
    };
    let columns = vec![
        Column::new(
            "rank".into(),
            (1..=a.configs.len() as u32).collect::<Vec<u32>>(),
        ),
        Column::new(
            "config".into(),
            a.configs
                .iter()
                .map(|c| c.config.clone())
                .collect::<Vec<String>>(),
        ),
        Column::new(
            "n".into(),
            a.configs
                .iter()
                .map(|c| c.runs as u32)
                .collect::<Vec<u32>>(),
        ),
        Column::new(
            "n_ok".into(),
            a.configs.iter().map(|c| c.ok as u32).collect::<Vec<u32>>(),
        ),
        column("ensemble_validation_smape", &|c| {
            c.validation.and_then(|v| finite(v.smape))
        }),
        column("ensemble_validation_mase", &|c| {
            c.validation.and_then(|v| finite(v.mase))
        }),
        column("ensemble_validation_owa", &|c| {
            c.validation.and_then(|v| finite(v.owa))
        }),
        column("ensemble_test_smape", &|c| finite(c.test.smape)),
        column("ensemble_test_mase", &|c| finite(c.test.mase)),
        column("ensemble_test_owa", &|c| finite(c.test.owa)),
    ];
    let mut df = DataFrame::new(a.configs.len(), columns)?;
    write_csv(&dir.join(SUMMARY_CSV), &mut df)?;
    write_parquet(&dir.join(SUMMARY_PARQUET), &mut df)
}

/// Writes `report.md` of a panel sweep into `dir`, and the same text as `report.html`.
pub fn write_panel_report(dir: &Path, text: &str) -> Result<()> {
    std::fs::write(dir.join(REPORT_MD), text)?;
    super::report_html::write_report_html(dir, text)
}
