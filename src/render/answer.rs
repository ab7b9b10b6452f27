//! The answer of a sweep in words: the configuration chosen without the test part, its
//! held-out figures beside every baseline's on the same points, and how sure each win is.
//! The report's first section and the console's headline line.

use super::format::{cell, config_name, mean_std, num, p_value};
use crate::analysis::choice::{BaselineScore, Choice};
use crate::analysis::diebold_mariano::DieboldMariano;

/// A difference is called a win or a loss below this p-value (two-sided, 95%).
const SIGNIFICANT: f64 = 0.05;

/// How the chosen forecast stands against another on the held-out points: `beats linear AR
/// by 10.4%, p = 0.03`, `not distinguishable from linear AR (+2.1%), p = 0.41`, `loses to
/// drift by 8.0%, p = 0.01`; without a test, the percentage alone, said to be untested.
fn against(name: &str, change: Option<f64>, dm: Option<&DieboldMariano>, exact: bool) -> String {
    if exact {
        return format!("{name} is exact here: no forecast can beat it");
    }
    let Some(change) = change else {
        return format!("no figure to compare with {name}");
    };
    let pct = format!("{:.1}%", change.abs() * 100.0);
    match dm {
        Some(d) if d.p_value < SIGNIFICANT && change < 0.0 => {
            format!("beats {name} by {pct}, {}", p_value(d.p_value))
        }
        Some(d) if d.p_value < SIGNIFICANT && change > 0.0 => {
            format!("loses to {name} by {pct}, {}", p_value(d.p_value))
        }
        Some(d) => format!(
            "not distinguishable from {name} ({} {pct}), {}",
            if change < 0.0 {
                "ahead by"
            } else {
                "behind by"
            },
            p_value(d.p_value)
        ),
        None if change < 0.0 => format!("beats {name} by {pct} (untested)"),
        None => format!("loses to {name} by {pct} (untested)"),
    }
}

fn baseline_verdict(b: &BaselineScore) -> String {
    against(b.baseline.name(), b.change, b.dm.as_ref(), b.exact)
}

/// The report's answer section, markdown lines.
pub fn answer(choice: &Choice) -> Vec<String> {
    let p = choice.protocol;
    let measure = p.measure_name();
    let Some(chosen) = &choice.chosen else {
        return vec!["No configuration has a selection score: nothing was chosen.".to_string()];
    };
    let name = config_name(&chosen.config);
    let mut lines = Vec::new();
    match &choice.baseline_wins {
        Some(win) => {
            lines.push(format!(
                "**The answer is a baseline: {}.** Ranked by {measure} on {}, it scores {} (with \
                 the preprocessing and lookback of {}), better than every network \
                 configuration. On the held-out test part it scores {}.",
                win.baseline.name(),
                p.describe(choice.folds),
                num(win.selection),
                config_name(&win.config),
                num(win.held_out)
            ));
            lines.push(String::new());
            lines.push(format!(
                "The best network configuration there, scoring {}: **{name}**.",
                num(chosen.selection)
            ));
        }
        None => lines.push(format!(
            "Chosen by {measure} on {}: **{name}**.",
            p.describe(choice.folds)
        )),
    }
    if p.optimistic() {
        lines.push(String::new());
        lines.push(
            "**Optimistic:** the ranking saw the test part, so the figures below are not held \
             out. Add a `[backtest]` of 2 or more folds or a validation part for an honest one."
                .to_string(),
        );
    }
    let held = if p.optimistic() {
        "test"
    } else {
        "held-out test"
    };
    // When a baseline is the answer, the table is about the best network beside it.
    let who = if choice.baseline_wins.is_some() {
        "the best network configuration"
    } else {
        "the chosen configuration"
    };
    lines.push(String::new());
    lines.push(format!(
        "On the {held} part, on {who}'s points (selection {measure}: the score the ranking \
         used):"
    ));
    lines.push(String::new());
    lines.push(format!(
        "| forecast | selection {measure} | {held} {measure} | {who} |"
    ));
    lines.push("|---|---:|---:|---|".to_string());
    if let Some(e) = chosen.ensemble {
        lines.push(format!(
            "| {} (mean of its {} seeds' forecasts) | | **{}** | |",
            cell(&name),
            chosen.n,
            num(e)
        ));
    }
    let seeds = if chosen.n == 1 {
        "1 seed".to_string()
    } else {
        format!("single seeds, mean ± std over {}", chosen.n)
    };
    lines.push(format!(
        "| {} ({seeds}) | {} | {} | |",
        cell(&name),
        num(chosen.selection),
        mean_std(Some(chosen.held_out), chosen.held_out_std)
    ));
    if let Some(r) = &choice.runner_up {
        // Scored, tested and compared on the points both forecast.
        let (figure, verdict) = match &choice.runner_up_test {
            Some(t) => (
                t.other_score,
                against("the runner-up", Some(t.change()), Some(&t.dm), false),
            ),
            None => (
                r.figure(),
                against(
                    "the runner-up",
                    Some((chosen.figure() - r.figure()) / r.figure()).filter(|c| c.is_finite()),
                    None,
                    false,
                ),
            ),
        };
        lines.push(format!(
            "| runner-up: {} ({}) | {} | {} | {verdict} |",
            cell(&config_name(&r.config)),
            match (r.ensemble, r.n) {
                (Some(_), _) => "seed ensemble".to_string(),
                (None, 1) => "1 seed".to_string(),
                (None, n) => format!("mean score of {n} seeds"),
            },
            num(r.selection),
            num(figure),
        ));
    }
    for b in &choice.baselines {
        lines.push(format!(
            "| {} | {} | {} | {} |",
            b.baseline.name(),
            num(b.selection),
            num(b.held_out),
            baseline_verdict(b)
        ));
    }
    lines.push(String::new());
    lines.push(format!(
        "p: Diebold-Mariano test ({} loss, Harvey-Leybourne-Newbold correction) of {who}'s \
         seed ensemble against each forecast on the same points; a difference is called a win \
         or a loss below p = 0.05.",
        if measure == "MAE" {
            "absolute-error"
        } else {
            "squared-error"
        }
    ));
    lines
}

/// The console's headline: the choice, its held-out figures, and the baselines' with their
/// p-values.
pub fn answer_line(name: &str, choice: &Choice) -> Option<String> {
    let chosen = choice.chosen.as_ref()?;
    let p = choice.protocol;
    let who = if chosen.config.is_empty() {
        name.to_string()
    } else {
        format!("{name}: chosen {}", chosen.config)
    };
    let measure = p.measure_name();
    let ensemble = chosen
        .ensemble
        .map(|e| format!(", seed ensemble {}", num(e)))
        .unwrap_or_default();
    let mut line = format!(
        "{who}: held-out test {measure} {} over {} run{}{ensemble}",
        mean_std(Some(chosen.held_out), chosen.held_out_std),
        chosen.n,
        if chosen.n == 1 { "" } else { "s" }
    );
    let baselines: Vec<String> = choice
        .baselines
        .iter()
        .map(|b| {
            let test = match (&b.dm, b.exact) {
                (_, true) => " exact".to_string(),
                (Some(d), _) => format!(" ({})", p_value(d.p_value)),
                (None, _) => String::new(),
            };
            format!("{} {}{test}", b.baseline.name(), num(b.held_out))
        })
        .collect();
    if !baselines.is_empty() {
        line.push_str(&format!("; {}", baselines.join(", ")));
    }
    if p.optimistic() {
        line.push_str(" [ranked on the test part: optimistic]");
    }
    if let Some(win) = &choice.baseline_wins {
        line.push_str(&format!(
            "\n{name}: the answer is a baseline: {} scores {} on the selection data, better than \
             every network ({}); held-out {}",
            win.baseline.name(),
            num(win.selection),
            num(chosen.selection),
            num(win.held_out)
        ));
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dm(p: f64) -> DieboldMariano {
        DieboldMariano {
            statistic: -2.0,
            p_value: p,
            n: 24,
            mean_difference: -1.0,
        }
    }

    #[test]
    fn wins_losses_and_ties_are_named_by_the_test() {
        assert_eq!(
            against("linear AR", Some(-0.104), Some(&dm(0.03)), false),
            "beats linear AR by 10.4%, p = 0.03"
        );
        assert_eq!(
            against("linear AR", Some(-0.021), Some(&dm(0.41)), false),
            "not distinguishable from linear AR (ahead by 2.1%), p = 0.41"
        );
        assert_eq!(
            against("drift", Some(0.08), Some(&dm(0.0004)), false),
            "loses to drift by 8.0%, p < 0.001"
        );
        assert_eq!(
            against("naive", Some(-0.5), None, false),
            "beats naive by 50.0% (untested)"
        );
        assert_eq!(
            against("linear AR", None, None, true),
            "linear AR is exact here: no forecast can beat it"
        );
        assert_eq!(p_value(0.0341), "p = 0.034");
        assert_eq!(p_value(1.0), "p = 1");
    }
}
