//! Where each key of the experiment file was written, for error messages.

use std::collections::HashMap;

use toml::de::{DeTable, DeValue};

/// Line and column of every key of a TOML document, by dotted path.
#[derive(Debug, Default)]
pub(crate) struct Locations {
    keys: HashMap<String, (usize, usize)>,
}

impl Locations {
    /// Positions of the keys of `text`; empty if `text` does not parse.
    pub(crate) fn of(text: &str) -> Self {
        let mut keys = HashMap::new();
        if let Ok(root) = DeTable::parse(text) {
            walk(&LineIndex::new(text), "", root.get_ref(), &mut keys);
        }
        Self { keys }
    }

    /// The 1-based (line, column) where `key` was written.
    pub(crate) fn get(&self, key: &str) -> Option<(usize, usize)> {
        self.keys.get(key).copied()
    }
}

fn walk(
    lines: &LineIndex<'_>,
    prefix: &str,
    table: &DeTable<'_>,
    out: &mut HashMap<String, (usize, usize)>,
) {
    for (key, value) in table.iter() {
        let path = join(prefix, key.get_ref());
        out.insert(path.clone(), lines.line_column(key.span().start));
        if let DeValue::Table(inner) = value.get_ref() {
            walk(lines, &path, inner, out);
        }
    }
}

/// Where each line of a text starts, so that locating every key costs a binary search each
/// instead of a scan from the start of the file (which made a file of n keys cost n²:
/// 30 000 keys took 3.8 s).
struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the first character of each line; `starts[0] == 0`.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    /// What [`line_column`] gives for `offset`.
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        // The lines starting at or before `offset`: the last of them holds it.
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }
}

pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The text of 1-based line `line`, without its line ending.
pub(crate) fn line_text(text: &str, line: usize) -> Option<String> {
    text.lines()
        .nth(line.checked_sub(1)?)
        .map(|l| l.trim_end_matches('\r').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_in_tables_and_dotted_keys() {
        let text = "name = \"x\"\n\n[window]\n  lokback = 5\ntrain.epochs = 3\n";
        let loc = Locations::of(text);
        assert_eq!(loc.get("name"), Some((1, 1)));
        assert_eq!(loc.get("window.lokback"), Some((4, 3)));
        assert_eq!(loc.get("window.train.epochs"), Some((5, 7)));
        assert_eq!(loc.get("window"), Some((3, 2)));
        assert_eq!(loc.get("nothing"), None);
    }

    #[test]
    fn the_line_index_agrees_with_a_scan_at_every_offset() {
        let text = "a = 1\n\n[t]\n  cé = \"x\"\r\nlast";
        let index = LineIndex::new(text);
        for offset in (0..=text.len() + 2).filter(|&o| o >= text.len() || text.is_char_boundary(o))
        {
            assert_eq!(
                index.line_column(offset),
                line_column(text, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé=d", 6), (2, 3));
        assert_eq!(line_text("a\r\nb\n", 1).as_deref(), Some("a"));
        assert_eq!(line_text("a\nb", 3), None);
    }
}
