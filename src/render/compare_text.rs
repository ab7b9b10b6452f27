//! `runner compare`'s text: the ranking of one results folder, or two folders side by side,
//! from the statistics of [`analysis::comparison`](crate::analysis::comparison).

use std::path::Path;

use super::format::{config_name, mean_std, num, percent, text_table, Align};
use crate::analysis::comparison::{Comparison, Movement, Ranking};
use crate::analysis::metric::{Metric, Split};
use crate::analysis::summary::ConfigSummary;

/// The ranking of the configurations of folder `dir`, best first, at most `top` rows (pass
/// `usize::MAX` for all), followed by each baseline's figure on the first configuration's
/// points when the runs have them.
///
/// Columns: rank, config, n (successful runs, and failed ones if any), the selection score
/// when the ranking is on one, then the shown metric's `mean ± std` (the held-out figure).
pub fn ranking_text(dir: &Path, ranking: &Ranking, top: usize) -> String {
    let metric = ranking.metric;
    let rank_by = ranking.rank_by;
    // A selection column equal to the shown one (ranked on the test part) is not repeated.
    let separate = rank_by != metric && !ranking.optimistic;
    let mut out = format!(
        "{}: {} of {}{}, ranked by {rank_by} ({}){}\n",
        dir.display(),
        plural(ranking.runs, "run"),
        plural(ranking.configs.len(), "configuration"),
        failed_note(ranking.failed),
        rank_by.direction().as_str(),
        if separate {
            format!("; {metric} is the held-out test part the ranking did not see")
        } else {
            String::new()
        },
    );
    if ranking.optimistic {
        let selection = Metric {
            split: Split::Selection,
            ..metric
        };
        out.push_str(&if rank_by == metric {
            format!(
                "optimistic: no {selection} column here, so the ranking saw {metric} itself \
                 (a folder written before runner ranked without the test part, where a \
                 backtest's {metric} is the mean over all folds; run it again to rescore)\n"
            )
        } else {
            format!(
                "optimistic: {rank_by} equals {metric} in every run (ranked on the test part \
                 itself, `select.on = \"test\"`)\n"
            )
        });
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = ranking
        .configs
        .iter()
        .take(top)
        .map(|s| {
            let mut row = vec![s.rank.to_string(), config_name(&s.config), runs_cell(s)];
            if separate {
                row.push(mean_std(s.mean(rank_by), s.std(rank_by)));
            }
            row.push(mean_std(s.mean(metric), s.std(metric)));
            row
        })
        .collect();
    let (rank_column, column) = (rank_by.column(), metric.column());
    let mut headers = vec!["rank", "config", "n"];
    let mut align = vec![Align::Right, Align::Left, Align::Right];
    if separate {
        headers.push(&rank_column);
        align.push(Align::Right);
    }
    headers.push(&column);
    align.push(Align::Right);
    out.push_str(&text_table(&headers, &align, &rows));
    out.push_str(&more(ranking.configs.len(), top));
    out.push('\n');
    if ranking.baselines.is_empty() {
        out.push_str(&format!("(no baselines for {metric})\n"));
    } else {
        let first = ranking
            .configs
            .first()
            .map_or_else(String::new, |s| config_name(&s.config));
        let list: Vec<String> = ranking
            .baselines
            .iter()
            .map(|(b, v)| format!("{} {}", b.name(), num(*v)))
            .collect();
        out.push_str(&format!(
            "baselines, {metric} on the points of {first}: {}\n",
            list.join(", ")
        ));
    }
    out
}

/// Folders `a_dir` and `b_dir` side by side: each configuration's `mean ± std` in A and in B
/// and the change from A to B in percent of A. Rows follow A's ranking; configurations only
/// in B follow in B's ranking, and a configuration present in one folder only is marked.
pub fn comparison_text(a_dir: &Path, b_dir: &Path, c: &Comparison, top: usize) -> String {
    let metric = c.a.metric;
    let stat = |s: &ConfigSummary| mean_std(s.mean(metric), s.std(metric));
    let rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .take(top)
        .map(|r| {
            let a = r.a.map(|i| &c.a.configs[i]);
            let b = r.b.map(|j| &c.b.configs[j]);
            let change = match (a, b, r.change) {
                (Some(_), Some(_), Some((fraction, movement))) => {
                    let word = match movement {
                        Movement::Same => "same",
                        Movement::Better => "better",
                        Movement::Worse => "worse",
                    };
                    format!("{} {word}", percent(fraction))
                }
                (Some(_), Some(_), None) => "n/a".to_string(),
                _ => String::new(),
            };
            vec![
                config_name(&r.config),
                a.map_or("(only in B)".to_string(), stat),
                b.map_or("(only in A)".to_string(), stat),
                change,
            ]
        })
        .collect();
    let (matched, only_a, only_b) = c.counts();
    let mut out = format!(
        "{metric} ({}), mean ± std over seeds\nA: {} ({} of {})\nB: {} ({} of {})\n\n",
        metric.direction().as_str(),
        a_dir.display(),
        plural(c.a.runs, "run"),
        plural(c.a.configs.len(), "configuration"),
        b_dir.display(),
        plural(c.b.runs, "run"),
        plural(c.b.configs.len(), "configuration"),
    );
    out.push_str(&text_table(
        &["config", "A", "B", "change"],
        &[Align::Left, Align::Right, Align::Right, Align::Left],
        &rows,
    ));
    out.push_str(&more(c.rows.len(), top));
    out.push_str(&format!(
        "\n{matched} matched, {only_a} only in A, {only_b} only in B\n"
    ));
    out
}

/// The line that says how many of `rows` configurations `--top` left out (empty when none).
fn more(rows: usize, top: usize) -> String {
    match rows.saturating_sub(top) {
        0 => String::new(),
        1 => "(1 more configuration)\n".to_string(),
        hidden => format!("({hidden} more configurations)\n"),
    }
}

fn runs_cell(s: &ConfigSummary) -> String {
    if s.n_failed > 0 {
        format!("{} ({} failed)", s.n, s.n_failed)
    } else {
        s.n.to_string()
    }
}

fn failed_note(failed: usize) -> String {
    if failed > 0 {
        format!(" ({failed} failed)")
    } else {
        String::new()
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
