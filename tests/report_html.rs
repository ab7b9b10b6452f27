//! `report.html`: the report as one self-contained page, opened in a real headless Chromium.
//!
//! The browser test needs Chromium (Debian's `chromium`, installed by `.ci/run`). Without it
//! the test says SKIPPED on stderr and passes, unless `RUNNER_REQUIRE_BROWSER` is set, as CI
//! sets it: there a missing browser is a failure, not a silent pass.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{runner, scratch_dir, stderr, write, GRID};

/// Runs the shared 8-run grid into `dir/out` and returns that folder.
fn grid_results(dir: &Path) -> PathBuf {
    let file = write(dir, "grid.toml", GRID);
    let o = runner(
        dir,
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            "out",
            "-q",
            "-j",
            "2",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    dir.join("out")
}

/// The body rows of each markdown pipe table: a `|` header line, a `|---` rule line, then `|`
/// rows.
fn markdown_table_rows(md: &str) -> Vec<u64> {
    let lines: Vec<&str> = md.lines().collect();
    let mut tables = Vec::new();
    for (i, w) in lines.windows(2).enumerate() {
        if w[0].starts_with('|')
            && w[1].starts_with("|--")
            && (i == 0 || !lines[i - 1].starts_with('|'))
        {
            let body = lines[i + 2..]
                .iter()
                .take_while(|l| l.starts_with('|'))
                .count();
            tables.push(body as u64);
        }
    }
    tables
}

#[test]
fn report_html_has_the_reports_content_with_every_plot_embedded() {
    let dir = scratch_dir();
    let out = grid_results(dir.path());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();

    let images = md.lines().filter(|l| l.starts_with("![")).count();
    assert!(images >= 3, "the grid's report shows its plots:\n{md}");
    assert_eq!(
        html.matches("<img src=\"data:image/png;base64,").count(),
        images
    );
    assert_eq!(
        html.matches("<table").count(),
        markdown_table_rows(&md).len()
    );
    for heading in md.lines().filter_map(|l| l.strip_prefix("## ")) {
        assert!(html.contains(&format!(">{heading}</h2>")), "{heading}");
    }
    // Self-contained: no reference leaves the file.
    for outside in ["http://", "https://", "<link", "src=\"plots/", "@import"] {
        assert!(
            !html.contains(outside),
            "report.html refers outside: {outside}"
        );
    }
}

/// Appended to a copy of the page: once it has loaded, records what the browser rendered, and
/// sorts the configurations table by its held-out column twice, into `<pre id="probe">`.
const PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const imgs = Array.from(document.images);
  const r = {
    images: imgs.length,
    rendered: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    tables: Array.from(document.querySelectorAll('table')).map(t => t.tBodies[0].rows.length),
  };
  const t = document.querySelector('#configurations ~ table');
  const heads = Array.from(t.tHead.rows[0].cells);
  const col = heads.findIndex(h => h.textContent.startsWith('held-out test'));
  const read = () => Array.from(t.tBodies[0].rows).map(row => parseFloat(row.cells[col].textContent));
  r.original = read();
  heads[col].click();
  r.ascending = read();
  heads[col].click();
  r.descending = read();
  const p = document.createElement('pre');
  p.id = 'probe';
  p.textContent = JSON.stringify(r);
  document.body.appendChild(p);
});
</script>
</body>"#;

fn browser() -> Option<&'static str> {
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .into_iter()
    .find(|b| {
        Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// The page's DOM after load, as headless Chromium serialises it.
fn dump_dom(browser: &str, page: &Path, profile: &Path) -> String {
    let dom_file = page.with_extension("dom");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        // A file, not a pipe: the DOM holds the embedded plots, more than a pipe buffers.
        .stdout(std::fs::File::create(&dom_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("the browser starts");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().ok();
            panic!("{browser} did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read_to_string(&dom_file).unwrap()
}

#[test]
fn report_html_renders_every_image_and_table_in_headless_chromium() {
    let Some(browser) = browser() else {
        assert!(
            std::env::var_os("RUNNER_REQUIRE_BROWSER").is_none(),
            "RUNNER_REQUIRE_BROWSER is set but no chromium is installed (apt-get install chromium)"
        );
        eprintln!(
            "SKIPPED: no chromium on PATH (apt-get install chromium); report.html not opened"
        );
        return;
    };
    let dir = scratch_dir();
    let out = grid_results(dir.path());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let page = dir.path().join("probe.html");
    std::fs::write(&page, html.replace("</body>", PROBE)).unwrap();

    let dom = dump_dom(browser, &page, &dir.path().join("profile"));
    let json = dom
        .split("<pre id=\"probe\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("the probe did not run; the DOM was:\n{dom}"));
    let r: serde_json::Value = serde_json::from_str(json).unwrap();

    let images = md.lines().filter(|l| l.starts_with("![")).count() as u64;
    assert_eq!(r["images"], images);
    assert_eq!(r["rendered"], images, "every embedded plot decodes: {r}");

    // Every table of report.md, with its body rows.
    let rows: Vec<u64> = r["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(rows, markdown_table_rows(&md));
    let column = |key: &str| -> Vec<f64> {
        r[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let (original, ascending, descending) = (
        column("original"),
        column("ascending"),
        column("descending"),
    );
    assert_eq!(original.len(), 4, "4 configurations in the grid");
    assert!(ascending.windows(2).all(|w| w[0] <= w[1]), "{ascending:?}");
    assert!(
        descending.windows(2).all(|w| w[0] >= w[1]),
        "{descending:?}"
    );
    let mut sorted = original.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(ascending, sorted, "sorting keeps every row");
}
