//! "Did you mean" for mistyped keys and values.

/// The candidate closest to `word` by edit distance, if it is close enough to be a
/// plausible typo: at most 2 edits, or a third of the word's length for long words.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = 2.max(word.chars().count() / 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("lokback", "lookback"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn closest_picks_plausible_typos_only() {
        let keys = ["lookback", "horizon"];
        assert_eq!(closest("lokback", keys), Some("lookback"));
        assert_eq!(closest("horizn", keys), Some("horizon"));
        assert_eq!(closest("Horizon", keys), Some("horizon"));
        assert_eq!(closest("batch", keys), None);
        assert_eq!(closest("adamw", ["adam", "sgd", "rmsprop"]), Some("adam"));
    }
}
