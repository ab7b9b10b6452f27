//! The markdown runner writes, as HTML: the subset `report.md` uses (headings, paragraphs,
//! pipe tables with their alignment, `-` lists, fenced code, images, `code`, **bold** and
//! [links](…)), so `report.html` is rendered from the very text of `report.md` and cannot say
//! something else. Not a general markdown parser: anything outside the subset is kept as
//! (escaped) paragraph text rather than guessed at.

/// `markdown` as an HTML fragment. Each image line `![alt](path)` becomes a `<figure>` whose
/// `src` is `image(path)` (the caller embeds the file as a `data:` URI); `None` leaves a
/// visible note instead of a broken image.
pub fn markdown_to_html(markdown: &str, image: &dyn Fn(&str) -> Option<String>) -> String {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut html = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        if trimmed.is_empty() {
            i += 1;
        } else if let Some(level_text) = heading(trimmed) {
            let (level, text) = level_text;
            html.push_str(&format!(
                "<h{level} id=\"{}\">{}</h{level}>\n",
                anchor(text),
                inline(text)
            ));
            i += 1;
        } else if is_rule(trimmed) {
            html.push_str("<hr>\n");
            i += 1;
        } else if trimmed.starts_with("```") {
            let mut code = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with("```") {
                code.push(escape(lines[i]));
                i += 1;
            }
            i += 1; // the closing fence
            html.push_str(&format!("<pre><code>{}</code></pre>\n", code.join("\n")));
        } else if let Some((alt, path)) = image_line(trimmed) {
            html.push_str(&figure(alt, path, image));
            i += 1;
        } else if trimmed.starts_with('|') {
            let start = i;
            while i < lines.len() && lines[i].trim().starts_with('|') {
                i += 1;
            }
            html.push_str(&table(&lines[start..i]));
        } else if trimmed.starts_with("- ") {
            html.push_str("<ul>\n");
            while i < lines.len() && lines[i].trim().starts_with("- ") {
                html.push_str(&format!("<li>{}</li>\n", inline(&lines[i].trim()[2..])));
                i += 1;
            }
            html.push_str("</ul>\n");
        } else {
            let mut text = Vec::new();
            while i < lines.len() && is_paragraph_line(lines[i]) {
                text.push(lines[i].trim());
                i += 1;
            }
            html.push_str(&format!("<p>{}</p>\n", inline(&text.join(" "))));
        }
    }
    html
}

fn is_paragraph_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && !is_rule(t)
        && heading(t).is_none()
        && !t.starts_with("```")
        && !t.starts_with('|')
        && !t.starts_with("- ")
        && image_line(t).is_none()
}

/// A thematic break: `---`, `***` or `___` (three or more) alone on a line.
fn is_rule(line: &str) -> bool {
    line.len() >= 3
        && [b'-', b'*', b'_']
            .iter()
            .any(|&c| line.bytes().all(|b| b == c))
}

/// `## Answer` → `(2, "Answer")`.
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|&c| c == '#').count();
    if (1..=6).contains(&level) && line[level..].starts_with(' ') {
        Some((level, line[level..].trim()))
    } else {
        None
    }
}

/// `![alt](path)` alone on a line.
fn image_line(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("![")?;
    let (alt, rest) = rest.split_once("](")?;
    let path = rest.strip_suffix(')')?;
    Some((alt, path))
}

fn figure(alt: &str, path: &str, image: &dyn Fn(&str) -> Option<String>) -> String {
    match image(path) {
        Some(src) => format!(
            "<figure><img src=\"{src}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
            escape(alt),
            escape(alt)
        ),
        None => format!(
            "<p class=\"missing\">(plot {} could not be read)</p>\n",
            escape(path)
        ),
    }
}

/// A pipe table: a header row, the rule row (`|---:|---|`, which sets each column's
/// alignment), then body rows. Lines that do not follow that shape are kept as text.
fn table(lines: &[&str]) -> String {
    let rows: Vec<Vec<String>> = lines.iter().map(|l| cells(l)).collect();
    let is_rule = |row: &Vec<String>| {
        !row.is_empty()
            && row
                .iter()
                .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':')))
    };
    if rows.len() < 2 || !is_rule(&rows[1]) {
        return format!("<p>{}</p>\n", inline(&lines.join(" ")));
    }
    let align: Vec<&str> = rows[1]
        .iter()
        .map(|c| if c.ends_with(':') { "right" } else { "left" })
        .collect();
    let style = |col: usize| match align.get(col) {
        Some(&"right") => " class=\"num\"",
        _ => "",
    };
    let mut html = String::from("<table class=\"sortable\">\n<thead><tr>");
    for (col, c) in rows[0].iter().enumerate() {
        html.push_str(&format!("<th{}>{}</th>", style(col), inline(c)));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in &rows[2..] {
        html.push_str("<tr>");
        for (col, c) in row.iter().enumerate() {
            html.push_str(&format!("<td{}>{}</td>", style(col), inline(c)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n");
    html
}

/// The cells of `| a | b \| c |`: split on pipes that are not escaped, `\|` kept as `|`.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().expect("one cell").push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().expect("one cell").push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// Inline markup: `code` (its content literal), **bold**, [text](target), a backslash before
/// punctuation (`\|`) as the bare character; everything else escaped.
fn inline(text: &str) -> String {
    let mut html = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('\\') {
            if let Some(c) = after.chars().next().filter(char::is_ascii_punctuation) {
                html.push_str(&escape(&after[..1]));
                rest = &after[c.len_utf8()..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix('`') {
            if let Some(end) = after.find('`') {
                html.push_str(&format!("<code>{}</code>", escape(&after[..end])));
                rest = &after[end + 1..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix("**") {
            if let Some(end) = after.find("**") {
                html.push_str(&format!("<strong>{}</strong>", inline(&after[..end])));
                rest = &after[end + 2..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix('[') {
            if let Some((label, tail)) = after.split_once("](") {
                if let Some(end) = tail.find(')') {
                    if !label.contains('[') {
                        html.push_str(&format!(
                            "<a href=\"{}\">{}</a>",
                            escape(&tail[..end]),
                            inline(label)
                        ));
                        rest = &tail[end + 1..];
                        continue;
                    }
                }
            }
        }
        let c = rest.chars().next().expect("not empty");
        html.push_str(&escape(&rest[..c.len_utf8()]));
        rest = &rest[c.len_utf8()..];
    }
    html
}

/// A heading's id: lower case, words joined by `-` (`Failed runs` → `failed-runs`).
fn anchor(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Text safe inside HTML elements and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_images(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn a_table_keeps_its_cells_alignment_and_escaped_pipes() {
        let md =
            "| rank | config | rmse |\n|---:|---|---:|\n| 1 | a\\|b <x> | 0.5 |\n| 2 | c | 0.7 |\n";
        let html = markdown_to_html(md, &no_images);
        assert_eq!(
            html,
            "<table class=\"sortable\">\n<thead><tr><th class=\"num\">rank</th><th>config</th>\
             <th class=\"num\">rmse</th></tr></thead>\n<tbody>\n\
             <tr><td class=\"num\">1</td><td>a|b &lt;x&gt;</td><td class=\"num\">0.5</td></tr>\n\
             <tr><td class=\"num\">2</td><td>c</td><td class=\"num\">0.7</td></tr>\n\
             </tbody>\n</table>\n"
        );
    }

    #[test]
    fn headings_paragraphs_lists_code_and_inline_markup() {
        let md = "# Title\n\nOne line\nand the next, **bold** and `a<b`.\n\n- first\n- [link](x.csv)\n\n```text\n<raw> **not bold**\n```\n## Failed runs\n";
        let html = markdown_to_html(md, &no_images);
        assert_eq!(
            html,
            "<h1 id=\"title\">Title</h1>\n\
             <p>One line and the next, <strong>bold</strong> and <code>a&lt;b</code>.</p>\n\
             <ul>\n<li>first</li>\n<li><a href=\"x.csv\">link</a></li>\n</ul>\n\
             <pre><code>&lt;raw&gt; **not bold**</code></pre>\n\
             <h2 id=\"failed-runs\">Failed runs</h2>\n"
        );
    }

    #[test]
    fn an_image_line_is_embedded_by_the_caller_or_said_missing() {
        let embed = |path: &str| (path == "plots/a.png").then(|| "data:image/png;base64,AA".into());
        let html = markdown_to_html("![ranking](plots/a.png)\n\n![b](plots/b.png)\n", &embed);
        assert_eq!(
            html,
            "<figure><img src=\"data:image/png;base64,AA\" alt=\"ranking\">\
             <figcaption>ranking</figcaption></figure>\n\
             <p class=\"missing\">(plot plots/b.png could not be read)</p>\n"
        );
    }

    #[test]
    fn a_rule_breaks_and_escaped_punctuation_reads_bare() {
        let html = markdown_to_html("a \\| b \\x `c\\|d`\n\n---\n\n- e \\| f\n", &no_images);
        assert_eq!(
            html,
            "<p>a | b \\x <code>c\\|d</code></p>\n<hr>\n<ul>\n<li>e | f</li>\n</ul>\n"
        );
    }

    #[test]
    fn unclosed_markup_and_a_table_without_rule_stay_text() {
        let html = markdown_to_html("a `b and **c\n\n| x |\n| y |\n", &no_images);
        assert_eq!(html, "<p>a `b and **c</p>\n<p>| x | | y |</p>\n");
    }
}
