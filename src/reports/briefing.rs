//! The ministers' briefing pack: headline figures, summary sentences and
//! exceptions, every chart with its table, as one page (in the app, or as a
//! self-contained `index.html` with PNG, SVG and CSV files beside it).
use std::path::{Path, PathBuf};

use maud::{DOCTYPE, Markup, PreEscaped, html};
use time::Date;

use super::catalogue::{ChartData, ChartKind};
use super::figures::{Briefing, briefing};
use crate::domain::dates::display_date;
use crate::domain::snapshot::{ILLUSTRATIVE_NOTE, Provenance, Snapshot};
use crate::domain::spreadsheet::{self, Cell};

/// Chart size in the pack and the benchmarks.
pub const WIDTH: u32 = 1600;
pub const HEIGHT: u32 = 900;

/// Everything a briefing shows, computed once from one snapshot.
pub struct Pack {
    pub as_at: Date,
    pub briefing: Briefing,
    pub charts: Vec<(ChartData, String)>,
    /// Which figures rest on illustrative records (each is labelled).
    pub provenance: Provenance,
}

/// The label beside anything computed from illustrative records.
fn tag() -> Markup {
    html! { " " strong.nhsuk-tag.nhsuk-tag--grey title=(ILLUSTRATIVE_NOTE) { "Illustrative" } }
}

/// The line under every chart's title.
pub fn subtitle(as_at: Date) -> String {
    format!(
        "As at {}. Figures computed from GDE Tracker records.",
        display_date(as_at)
    )
}

/// Builds the pack; `svg` says whether to draw each chart's SVG now.
pub fn assemble(s: &Snapshot) -> Result<Pack, crate::charts::ChartError> {
    let mut charts = Vec::new();
    for kind in ChartKind::ALL {
        let data = ChartData::of(*kind, s);
        let svg = data.svg(&data.options(WIDTH, HEIGHT, &subtitle(s.as_at)))?;
        charts.push((data, svg));
    }
    Ok(Pack {
        as_at: s.as_at,
        briefing: briefing(s),
        charts,
        provenance: s.provenance(),
    })
}

/// How many items of an exception list are shown before the rest is folded away.
pub const SHOWN: usize = 10;

fn split<T>(items: &[T]) -> (&[T], &[T]) {
    items.split_at(items.len().min(SHOWN))
}

/// An ODS code, linked to its participant's page in the app.
fn ods(code: &str, link: bool) -> Markup {
    html! { @if link { a href={ "/participants/" (code) } { (code) } } @else { (code) } }
}

/// At most `n` of `items` (all of them for `None`), and how many are left out.
fn at_most<T>(items: &[T], n: Option<usize>) -> (&[T], usize) {
    match n {
        Some(n) if items.len() > n => (&items[..n], items.len() - n),
        _ => (items, 0),
    }
}

/// Where the items a page leaves out can be read.
fn left_out_note(left_out: usize) -> Markup {
    html! {
        @if left_out > 0 {
            p.nhsuk-hint { (left_out) " more are not shown on this page; the briefing pack (" code { "gde report briefing" } ") lists every one." }
        }
    }
}

/// An exception list: the first [`SHOWN`] items, the rest (up to
/// `limit` items in all) in a `<details>`.
fn list<T>(
    id: &str,
    what: &str,
    items: &[T],
    limit: Option<usize>,
    item: impl Fn(&T) -> Markup,
) -> Markup {
    let (first, rest) = split(items);
    let (rest, left_out) = at_most(rest, limit.map(|n| n.saturating_sub(first.len())));
    html! {
        @if items.is_empty() { p { "None." } } @else {
            ul id=(id) { @for i in first { li { (item(i)) } } }
            @if !rest.is_empty() {
                details.nhsuk-details id={ (id) "-more" } {
                    summary.nhsuk-details__summary { span.nhsuk-details__summary-text { @if left_out > 0 { "The next " } @else { "The other " } (rest.len()) " " (what) } }
                    div.nhsuk-details__text {
                        ul id={ (id) "-rest" } { @for i in rest { li { (item(i)) } } }
                    }
                }
            }
            (left_out_note(left_out))
        }
    }
}

fn slipped_table(
    id: &str,
    caption: &str,
    rows: &[(String, String, i64, i32)],
    link: bool,
) -> Markup {
    html! {
        table.nhsuk-table id=(id) {
            caption.nhsuk-table__caption { (caption) }
            thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "ODS code" } th.nhsuk-table__header scope="col" { "Milestone" } th.nhsuk-table__header scope="col" .num { "Days late" } } }
            tbody.nhsuk-table__body {
                @for (code, reference, days, milestone) in rows {
                    tr.nhsuk-table__row {
                        td.nhsuk-table__cell { (ods(code, link)) }
                        td.nhsuk-table__cell { @if link { a href={ "/milestones/" (milestone) } { (reference) } } @else { (reference) } }
                        td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (days) }
                    }
                }
            }
        }
    }
}

/// The briefing's content (no page frame), shared by the app and the pack.
/// Headline figures first, then the charts, then the exception lists (long
/// lists show their first [`SHOWN`] items and the rest in a `<details>`).
/// `link_records` links ODS codes and milestone references to their pages in
/// the app (the standalone pack, opened from disk, shows them as text).
/// `limit` caps each table and list at that many rows (the app's pages:
/// the CSV downloads and the pack have them all; `None` for the pack).
/// `links` gives each chart's download links (PNG, SVG, CSV).
pub fn body(
    pack: &Pack,
    link_records: bool,
    limit: Option<usize>,
    links: &dyn Fn(ChartKind) -> Vec<(String, String)>,
) -> Markup {
    let b = &pack.briefing;
    let p = pack.provenance;
    html! {
        @if p.any() {
            p.illustrative-note #illustrative-note {
                strong { "Illustrative figures. " }
                "Figures tagged Illustrative are computed from records invented for demonstration (in the seed data: money, milestones, returns and most maturity scores); they are not programme facts."
            }
        }
        section aria-labelledby="headlines" {
            h2 #headlines { "Headline figures" }
            ul.summary-sentences {
                @for s in &b.sentences { li { (s) } }
            }
            table.nhsuk-table #figures {
                caption.nhsuk-table__caption { "Headline figures as at " (display_date(pack.as_at)) }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Figure" } th.nhsuk-table__header scope="col" .num { "Value" } } }
                tbody.nhsuk-table__body {
                    @for f in b.figures.iter().filter(|f| f.key != "as_at") {
                        tr.nhsuk-table__row id={ "figure-" (f.key) } { th.nhsuk-table__header scope="row" { (f.label) @if f.illustrative { (tag()) } } td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (f.value.to_string()) } }
                    }
                }
            }
        }
        @for (data, svg) in &pack.charts {
            @let table = data.table();
            section.chart aria-labelledby={ "chart-" (data.kind.slug()) } {
                h2 id={ "chart-" (data.kind.slug()) } { (data.kind.title()) @if data.illustrative { (tag()) } }
                figure {
                    // The program drew this SVG itself; it carries role="img", a title and a description.
                    div.chart-image { (PreEscaped(svg)) }
                    figcaption { (data.description()) }
                }
                p.downloads {
                    "Download: "
                    @for (i, (href, label)) in links(data.kind).iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(href) { (label) }
                    }
                }
                details.nhsuk-details {
                    summary.nhsuk-details__summary { span.nhsuk-details__summary-text { "Data table: " (data.kind.title()) } }
                    div.nhsuk-details__text {
                        table.nhsuk-table id={ "table-" (data.kind.slug()) } {
                            caption.nhsuk-table__caption { (data.kind.title()) ": the data in the chart" }
                            thead.nhsuk-table__head { tr.nhsuk-table__row { @for (i, h) in table.headings.iter().enumerate() { th scope="col" class={ "nhsuk-table__header" @if table.numeric[i] { " nhsuk-table__header--numeric num" } } { (h) } } } }
                            @let (rows, left_out) = at_most(&table.rows, limit);
                            tbody.nhsuk-table__body {
                                @for row in rows {
                                    tr.nhsuk-table__row { @for (i, cell) in row.iter().enumerate() { td class={ "nhsuk-table__cell" @if table.numeric[i] { " nhsuk-table__cell--numeric num" } } { (cell.to_string()) } } }
                                }
                            }
                        }
                        @if left_out > 0 {
                            p.nhsuk-hint { "The first " (rows.len()) " of " (table.rows.len()) " rows; the CSV download has every row." }
                        }
                    }
                }
            }
        }
        section aria-labelledby="exceptions" {
            h2 #exceptions { "Exceptions" }
            p { "Lists longer than " (SHOWN) " show the first " (SHOWN) "; open the rest below each list." }
            @let e = &b.exceptions;
            h3 #rated-red-heading { "Participants rated Red (" (e.rated_red.len()) ")" @if p.returns { (tag()) } }
            p.nhsuk-hint { "Participants of every role (exemplars, fast followers and others) whose latest approved return is rated Red, by the programme office's rating, else the trust's own. The summary sentence above counts exemplars only, so its number can be smaller." }
            (list("rated-red", "participants rated Red", &e.rated_red, limit, |(code, name, role)| html! {
                (name) " (" (ods(code, link_records)) "), " (role.to_lowercase())
            }))
            h3 #slipped-heading { "Milestones slipped more than 90 days (" (e.slipped_over_90.len()) ")" @if p.milestones { (tag()) } }
            @if e.slipped_over_90.is_empty() { p { "None." } } @else {
                @let (first, rest) = split(&e.slipped_over_90);
                @let (rest, left_out) = at_most(rest, limit.map(|n| n.saturating_sub(first.len())));
                (slipped_table("slipped", &format!("{} milestones slipped more than 90 days, worst first{}", e.slipped_over_90.len(), if rest.is_empty() { String::new() } else { format!(": the first {}", first.len()) }), first, link_records))
                @if !rest.is_empty() {
                    details.nhsuk-details #slipped-more {
                        summary.nhsuk-details__summary { span.nhsuk-details__summary-text { @if left_out > 0 { "The next " } @else { "The other " } (rest.len()) " milestones slipped more than 90 days" } }
                        div.nhsuk-details__text {
                            (slipped_table("slipped-rest", &format!("Milestones slipped more than 90 days: {} to {} of {}", first.len() + 1, first.len() + rest.len(), e.slipped_over_90.len()), rest, link_records))
                        }
                    }
                }
                (left_out_note(left_out))
            }
            h3 #match-shortfall-heading { "Local match below central funding (" (e.match_shortfall.len()) ")" @if p.money { (tag()) } }
            (list("match-shortfall", "participants with local match below central funding", &e.match_shortfall, limit, |(code, name, gap)| html! {
                (name) " (" (ods(code, link_records)) "): " (gap) " short"
            }))
            h3 #spend-above-heading { "Spend reported above central funding released (" (e.spend_above_released.len()) ")" @if p.money || p.returns { (tag()) } }
            p.nhsuk-hint { "Spend to date in the latest approved return, against the central funding released so far; a trust's spend can include its local match." }
            (list("spend-above", "participants whose reported spend is above the central funding released", &e.spend_above_released, limit, |(code, name, excess)| html! {
                (name) " (" (ods(code, link_records)) "): " (excess) " above"
            }))
            h3 #not-submitted-heading { "Returns not submitted" @if let Some(period) = &e.latest_period { " for " (period) } " (" (e.not_submitted.len()) ")" @if p.returns { (tag()) } }
            p.nhsuk-hint { "No return, a draft, or a return sent back for changes." }
            (list("not-submitted", "participants whose return is not submitted", &e.not_submitted, limit, |(code, name)| html! {
                (name) " (" (ods(code, link_records)) ")"
            }))
        }
    }
}

/// `figures.csv`: every headline figure, one per row.
/// Figures computed from illustrative records say so in a last
/// `provenance` column (present only when some are).
pub fn figures_csv(b: &Briefing) -> String {
    if b.figures.iter().any(|f| f.illustrative) {
        spreadsheet::csv(
            &["key", "figure", "value", "provenance"],
            b.figures.iter().map(|f| {
                vec![
                    Cell::text(f.key),
                    Cell::text(f.label),
                    f.value.clone(),
                    Cell::text(if f.illustrative { "Illustrative" } else { "" }),
                ]
            }),
        )
    } else {
        spreadsheet::csv(
            &["key", "figure", "value"],
            b.figures
                .iter()
                .map(|f| vec![Cell::text(f.key), Cell::text(f.label), f.value.clone()]),
        )
    }
}

/// The standalone `index.html`: charts inline as SVG, and our stylesheet
/// beside it in the pack as `style.css`, so the folder opens anywhere.
pub fn index_html(pack: &Pack) -> String {
    let links = |k: ChartKind| {
        vec![
            (format!("{}.png", k.slug()), "PNG".to_owned()),
            (format!("{}.svg", k.slug()), "SVG".to_owned()),
            (format!("{}.csv", k.slug()), "CSV".to_owned()),
        ]
    };
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Programme briefing as at " (display_date(pack.as_at)) " – GDE Tracker" }
                link rel="stylesheet" href="style.css";
            }
            body {
                div.nhsuk-width-container {
                    main.nhsuk-main-wrapper #main-content {
                        h1 { "GDE programme briefing as at " (display_date(pack.as_at)) }
                        p.nhsuk-lede-text { "Computed from the GDE Tracker record: approved returns and changes recorded by the end of " (display_date(pack.as_at)) ". Regenerating for the same date gives the same figures." }
                        (body(pack, false, None, &links))
                    }
                }
            }
        }
    }
    .into_string()
}

/// Progress messages while the pack is written.
pub trait Progress {
    fn step(&mut self, done: usize, total: usize, what: &str);
}

/// Writes the pack into `dir`: index.html, figures.csv, and per chart PNG, SVG and CSV.
pub fn write(
    pack: &Pack,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<Vec<PathBuf>, WriteError> {
    std::fs::create_dir_all(dir).map_err(|e| WriteError::Io(dir.to_path_buf(), e))?;
    let total = 3 + pack.charts.len() * 3;
    let mut done = 0;
    let mut written = Vec::new();
    let mut put =
        |name: &str, bytes: &[u8], progress: &mut dyn Progress| -> Result<(), WriteError> {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|e| WriteError::Io(path.clone(), e))?;
            done += 1;
            progress.step(done, total, name);
            written.push(path);
            Ok(())
        };
    for (data, svg) in &pack.charts {
        let slug = data.kind.slug();
        let png = data
            .png(&data.options(WIDTH, HEIGHT, &subtitle(pack.as_at)))
            .map_err(WriteError::Chart)?;
        put(&format!("{slug}.png"), &png, progress)?;
        put(&format!("{slug}.svg"), svg.as_bytes(), progress)?;
        put(&format!("{slug}.csv"), data.csv().as_bytes(), progress)?;
    }
    put(
        "figures.csv",
        figures_csv(&pack.briefing).as_bytes(),
        progress,
    )?;
    put(
        "style.css",
        crate::views::layout::STYLESHEET.as_bytes(),
        progress,
    )?;
    put("index.html", index_html(pack).as_bytes(), progress)?;
    Ok(written)
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("could not write {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("could not draw a chart: {0}")]
    Chart(crate::charts::ChartError),
}
