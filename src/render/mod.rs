//! What a user reads, rendered from the analysis: report.md ([`report`]) and report.html
//! ([`report_html`], from report.md's text by [`markdown_html`]), the summary table
//! ([`summary_table`]), the plots' data ([`plots`], drawn by `plot`), `compare` and `check`
//! text ([`compare_text`], [`check_text`]) and the console summary ([`console`]). Renderers compute no
//! statistic of their own; [`format`] holds the number and table formatting they share.

pub mod answer;
pub mod check_text;
pub mod compare_text;
pub mod console;
pub mod forecast_text;
pub mod format;
pub mod markdown_html;
pub mod panel_text;
pub mod plots;
pub mod report;
pub mod report_html;
pub mod summary_table;
