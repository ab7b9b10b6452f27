//! `report.html`: `report.md` as one self-contained page to open in a browser or attach to a
//! CI run. The plots are embedded as `data:` URIs, the style and the table sorting are inline,
//! and nothing refers to the network, so the file can be mailed or archived alone and still
//! shows everything. The content is `report.md`'s own text ([`markdown_to_html`]), so the two
//! never disagree.

use std::path::Path;

use anyhow::{Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::markdown_html::{escape, markdown_to_html};
use crate::store::layout::REPORT_HTML;

/// Clicking a column heading sorts the table's rows by it, numerically when every cell is a
/// number, perhaps followed by a space and more (`0.0123 ± 0.0004`, `-0.25`, `12%`), else as
/// text with digit runs compared as numbers (`lookback=5` before `lookback=10`, dates in
/// order); a second click reverses. Empty and `-` cells sort last either way.
const SORT_SCRIPT: &str = r#"
function runnerKey(text) {
  const m = text.replace(/\u2212/g, '-').match(/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?=$|\s|%)/);
  return m ? parseFloat(m[0]) : null;
}
function runnerSort(th) {
  const table = th.closest('table');
  const col = Array.prototype.indexOf.call(th.parentNode.children, th);
  const asc = th.getAttribute('aria-sort') !== 'ascending';
  for (const h of th.parentNode.children) h.removeAttribute('aria-sort');
  th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const numeric = rows.every(r => {
    const t = r.cells[col] ? r.cells[col].textContent.trim() : '';
    return t === '' || t === '-' || runnerKey(t) !== null;
  });
  rows.sort((a, b) => {
    const x = a.cells[col] ? a.cells[col].textContent.trim() : '';
    const y = b.cells[col] ? b.cells[col].textContent.trim() : '';
    if (numeric) {
      const kx = runnerKey(x), ky = runnerKey(y);
      if (kx === null || ky === null) return (kx === null) - (ky === null);
      return asc ? kx - ky : ky - kx;
    }
    const order = { numeric: true };
    return asc ? x.localeCompare(y, undefined, order) : y.localeCompare(x, undefined, order);
  });
  for (const r of rows) body.appendChild(r);
}
for (const th of document.querySelectorAll('table.sortable th')) {
  th.title = 'sort by this column';
  th.addEventListener('click', () => runnerSort(th));
}
"#;

const STYLE: &str = "
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1d1d1f; margin: 0; }
main { max-width: 1240px; margin: 0 auto; padding: 1.5em 2em 4em; }
h1 { border-bottom: 2px solid #ddd; padding-bottom: .2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #eee; }
table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums;
        display: block; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #ddd; padding: .25em .6em; }
th { background: #f4f4f6; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort=ascending]::after { content: ' \\25B2'; }
th[aria-sort=descending]::after { content: ' \\25BC'; }
td.num, th.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafafa; }
code { background: #f2f2f4; padding: 0 .25em; border-radius: 3px; }
pre { background: #f6f6f8; padding: .8em; overflow-x: auto; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #666; font-size: 90%; }
.missing { color: #a00; }
";

/// The whole page for `markdown`; `image` turns a plot's relative path into its `data:` URI.
pub fn render_report_html(markdown: &str, image: &dyn Fn(&str) -> Option<String>) -> String {
    let title = markdown
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or("runner report");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{}</main>\n\
         <script>{SORT_SCRIPT}</script>\n</body>\n</html>\n",
        escape(title.trim()),
        markdown_to_html(markdown, image)
    )
}

/// Writes `dir/report.html` from `markdown` (the text of `dir/report.md`), embedding the PNG
/// plots it names from `dir`.
pub fn write_report_html(dir: &Path, markdown: &str) -> Result<()> {
    let image = |relative: &str| -> Option<String> {
        // Only files inside the results folder: the report names `plots/<name>.png`.
        if relative.contains("..") || Path::new(relative).is_absolute() {
            return None;
        }
        let bytes = std::fs::read(dir.join(relative)).ok()?;
        Some(format!("data:image/png;base64,{}", STANDARD.encode(bytes)))
    };
    let path = dir.join(REPORT_HTML);
    std::fs::write(&path, render_report_html(markdown, &image))
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_embeds_plots_from_the_folder_and_refers_to_nothing_outside() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("results");
        std::fs::create_dir_all(results.join("plots")).unwrap();
        std::fs::write(results.join("plots/a.png"), [1u8, 2, 3]).unwrap();
        // A file beside the results folder, which the report must not embed by any path.
        let secret = dir.path().join("secret.png");
        std::fs::write(&secret, [9u8]).unwrap();
        let md = format!(
            "# exp <1>\n\n![a](plots/a.png)\n\n![b](../secret.png)\n\n![c]({})\n",
            secret.display()
        );
        write_report_html(&results, &md).unwrap();
        let html = std::fs::read_to_string(results.join(REPORT_HTML)).unwrap();
        assert!(html.contains("(plot ../secret.png could not be read)"));
        assert!(html.contains(&format!("(plot {} could not be read)", secret.display())));
        assert!(
            !html.contains("base64,CQ=="),
            "the secret byte 9 is embedded"
        );
        assert!(html.contains("<title>exp &lt;1&gt;</title>"));
        assert!(html.contains("<img src=\"data:image/png;base64,AQID\" alt=\"a\">"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(!html.contains("<link") && !html.contains("src=\"plots/"));
    }
}
