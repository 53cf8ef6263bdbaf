//! Chart 2: central funding by participant — allocation (released part
//! solid, unreleased part pale), cap as a tick, spend as a ring — for the
//! largest allocations, the rest summed into one "Other" bar.

use std::cmp::Reverse;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::format::{
    clean, count, format_millions, format_money, pence_to_millions, percent, plural,
};
use super::frame::{self, Area, Drawn, Fill, Header, LegendItem, Marker, Pattern, Scale, Swatch};
use super::group::top_n;
use super::hbar::{HBarLayout, bar_budget, other_label};
use super::render::{self, Chart};
use super::rows::{FundingBar, ParticipantGroup};
use super::style::{self, Theme};
use super::{ChartError, ChartOptions};

const X_DESC: &str = "£ million";
const Y_DESC: &str = "Participant (ODS code)";

/// Fills for a group: (released, allocated but not yet released).
fn fills(group: Option<ParticipantGroup>) -> (Fill, Fill) {
    match group {
        Some(ParticipantGroup::Exemplar) => (
            Fill::solid(style::BLUE),
            Fill::solid(style::tint(style::BLUE, 0.7)).outlined(style::BLUE),
        ),
        Some(ParticipantGroup::FastFollower) => (
            Fill::patterned(
                style::ORANGE,
                Pattern::Diagonal,
                style::shade(style::ORANGE, 0.45),
            ),
            Fill::patterned(
                style::tint(style::ORANGE, 0.7),
                Pattern::Diagonal,
                style::ORANGE,
            )
            .outlined(style::shade(style::ORANGE, 0.2)),
        ),
        None => (
            Fill::patterned(
                style::GREY_FILL,
                Pattern::Horizontal,
                style::shade(style::GREY_FILL, 0.4),
            ),
            Fill::patterned(style::PALE_GREY, Pattern::Horizontal, style::GREY_FILL)
                .outlined(style::GREY_FILL),
        ),
    }
}

struct Row {
    label: String,
    group: Option<ParticipantGroup>,
    cap: i64,
    allocated: i64,
    released: i64,
    spent: Option<i64>,
}

struct FundingChart {
    title: String,
    paragraphs: Vec<String>,
    rows: Vec<Row>,
    has_other: bool,
    groups: [bool; 2],
    any_spent: bool,
}

fn prepare(rows: &[FundingBar], opts: &ChartOptions) -> (FundingChart, String) {
    let n = bar_budget(opts);
    let top = top_n(rows, n, |r| (Reverse(r.allocated), r.code.as_str()));
    let mut out: Vec<Row> = top
        .shown
        .iter()
        .map(|r| Row {
            label: clean(&r.code),
            group: Some(r.group),
            cap: r.cap,
            allocated: r.allocated,
            released: r.released,
            spent: r.spent,
        })
        .collect();
    let note = if top.rest.is_empty() {
        format!(
            "All {}, largest allocation first.",
            plural(top.total(), "participant", "participants")
        )
    } else {
        let spent: Vec<i64> = top.rest.iter().filter_map(|r| r.spent).collect();
        out.push(Row {
            label: other_label(top.rest.len()),
            group: None,
            cap: top.rest.iter().map(|r| r.cap).sum(),
            allocated: top.rest.iter().map(|r| r.allocated).sum(),
            released: top.rest.iter().map(|r| r.released).sum(),
            spent: if spent.is_empty() {
                None
            } else {
                Some(spent.iter().sum())
            },
        });
        format!(
            "Largest {} of {} participants by allocation; the other {} are grouped into one bar (amounts summed).",
            top.shown.len(),
            count(top.total() as u64),
            count(top.rest.len() as u64)
        )
    };
    let mut paragraphs: Vec<String> = opts.subtitle.iter().map(|s| clean(s)).collect();
    if !rows.is_empty() {
        paragraphs.push(note.clone());
    }
    let chart = FundingChart {
        title: clean(&opts.title),
        paragraphs,
        has_other: !top.rest.is_empty(),
        groups: [
            top.shown
                .iter()
                .any(|r| r.group == ParticipantGroup::Exemplar),
            top.shown
                .iter()
                .any(|r| r.group == ParticipantGroup::FastFollower),
        ],
        any_spent: out.iter().any(|r| r.spent.is_some()),
        rows: out,
    };
    (chart, if rows.is_empty() { String::new() } else { note })
}

fn value_label(r: &Row) -> String {
    match percent(r.released as f64, r.allocated as f64) {
        Some(p) => format!("{} · {p}% released", format_millions(r.allocated)),
        None => format_millions(r.allocated),
    }
}

impl Chart for FundingChart {
    const KIND: &'static str = "funding";

    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> Drawn {
        if self.rows.is_empty() {
            return frame::draw_no_data(
                area,
                theme,
                &self.title,
                self.paragraphs.clone(),
                "There is no funding to show.",
            );
        }
        let mut legend = Vec::new();
        for (present, group) in self
            .groups
            .iter()
            .zip([ParticipantGroup::Exemplar, ParticipantGroup::FastFollower])
        {
            if *present {
                let (rel, alloc) = fills(Some(group));
                legend.push(LegendItem::new(
                    format!("{}: released", group.label()),
                    Swatch::Fill(rel),
                ));
                legend.push(LegendItem::new(
                    format!("{}: allocated, not yet released", group.label()),
                    Swatch::Fill(alloc),
                ));
            }
        }
        if self.has_other {
            let (rel, alloc) = fills(None);
            legend.push(LegendItem::new("Other: released", Swatch::Fill(rel)));
            legend.push(LegendItem::new(
                "Other: not yet released",
                Swatch::Fill(alloc),
            ));
        }
        legend.push(LegendItem::new("Funding cap", Swatch::Tick(style::TEXT)));
        if self.any_spent {
            legend.push(LegendItem::new(
                "Spent (as reported)",
                Swatch::Marker(Marker::Ring(style::TEXT)),
            ));
        }
        let top = frame::draw_header(
            area,
            theme,
            &Header {
                title: &self.title,
                paragraphs: self.paragraphs.clone(),
                legend,
            },
        )?;

        let extent = |r: &Row| [r.cap, r.allocated, r.released, r.spent.unwrap_or(0)];
        let individual = if self.has_other {
            &self.rows[..self.rows.len() - 1]
        } else {
            &self.rows[..]
        };
        let lo = self.rows.iter().flat_map(extent).min().unwrap_or(0).min(0);
        let hi_shown = individual.iter().flat_map(extent).max().unwrap_or(0).max(0);
        let hi_all = self.rows.iter().flat_map(extent).max().unwrap_or(0).max(0);
        // A summed "Other" bar can dwarf every participant; then the axis
        // fits the participants and the Other bar is cut short, marked with
        // a break and labelled with its total.
        let cut_other = self.has_other && hi_shown > 0 && hi_all as f64 > hi_shown as f64 * 1.5;
        let hi = if cut_other { hi_shown } else { hi_all };
        let labels: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        let values: Vec<String> = self
            .rows
            .iter()
            .filter(|r| !(cut_other && r.group.is_none()))
            .map(value_label)
            .collect();
        let probe = HBarLayout::new(theme, top, &labels, 0);
        let right = frame::max_label_width(&probe.value, values.iter().cloned()) + theme.px(14.0);
        let lay = HBarLayout::new(theme, top, &labels, right);
        let plot = lay.plot;

        let ticks = frame::nice_ticks(pence_to_millions(lo), pence_to_millions(hi), 8, false);
        let scale = Scale::new(ticks.lo, ticks.hi, plot.x0, plot.x1);
        let decimals = ticks.decimals;
        frame::draw_x_value_axis(area, theme, &plot, &scale, &ticks, &|v| {
            super::format::format_decimal(v, decimals)
        })?;
        frame::draw_x_desc(area, theme, &plot, X_DESC)?;
        frame::draw_y_desc(area, theme, &plot, Y_DESC)?;
        let grouped: Vec<bool> = self.rows.iter().map(|r| r.group.is_none()).collect();
        lay.draw_labels(area, theme, &labels, &grouped)?;

        let x = |pence: i64| scale.map(pence_to_millions(pence)).min(plot.x1);
        let zero = x(0);
        for (i, r) in self.rows.iter().enumerate() {
            let (t, b) = lay.bar(i);
            let (rel, alloc) = fills(r.group);
            frame::fill_rect(area, theme, (zero, t, x(r.allocated), b), &alloc)?;
            frame::fill_rect(area, theme, (zero, t, x(r.released), b), &rel)?;
            let is_cut = cut_other && r.group.is_none();
            let fits = |v: i64| !is_cut || pence_to_millions(v) <= ticks.hi;
            if fits(r.cap) {
                let cx = x(r.cap);
                let over = ((b - t) / 4).max(2);
                let half = theme.px(1.5).max(1);
                area.draw(&Rectangle::new(
                    [(cx - half, t - over), (cx + half, b + over)],
                    style::TEXT.filled(),
                ))?;
            }
            if let Some(s) = r.spent.filter(|&s| fits(s)) {
                let radius = ((b - t) as f64 * 0.42).max(4.0) as i32;
                frame::draw_marker(
                    area,
                    theme,
                    Marker::Ring(style::TEXT),
                    (x(s), lay.center(i)),
                    radius,
                )?;
            }
            if is_cut {
                // Break mark: two white slashes near the end of the bar.
                let bx = plot.x1 - theme.px(26.0);
                let lean = (b - t) / 2 + 2;
                for off in [0, theme.px(7.0)] {
                    area.draw(&Polygon::new(
                        vec![
                            (bx + off - lean, b + 2),
                            (bx + off - lean + theme.px(4.0), b + 2),
                            (bx + off + lean + theme.px(4.0), t - 2),
                            (bx + off + lean, t - 2),
                        ],
                        style::WHITE.filled(),
                    ))?;
                }
                let label = match percent(r.released as f64, r.allocated as f64) {
                    Some(p) => format!(
                        "{} in total (bar cut short) · {p}% released",
                        format_millions(r.allocated)
                    ),
                    None => format!("{} in total (bar cut short)", format_millions(r.allocated)),
                };
                let w = frame::text_width(&lay.value, &label);
                frame::draw_chip_label(
                    area,
                    theme,
                    &label,
                    &lay.value,
                    (bx - lean - theme.px(10.0) - w / 2, lay.center(i)),
                )?;
                continue;
            }
            let end = extent(r).into_iter().map(x).max().unwrap_or(zero);
            frame::draw_text(
                area,
                &value_label(r),
                &lay.value,
                (end + theme.px(8.0), lay.center(i)),
                HPos::Left,
                VPos::Center,
            )?;
        }
        Ok(())
    }
}

/// Plain-English summary of the funding rows.
pub fn funding_by_participant_description(rows: &[FundingBar]) -> String {
    if rows.is_empty() {
        return "No data: there is no funding by participant to show.".to_string();
    }
    let sum = |f: &dyn Fn(&FundingBar) -> i64| rows.iter().map(f).sum::<i64>();
    let allocated = sum(&|r| r.allocated);
    let cap = sum(&|r| r.cap);
    let released = sum(&|r| r.released);
    let exemplars = rows
        .iter()
        .filter(|r| r.group == ParticipantGroup::Exemplar)
        .count();
    let ffs = rows.len() - exemplars;
    let mut out = format!(
        "Funding for {} ({} {}, {} {}): {} allocated against caps of {}; {} released",
        plural(rows.len(), "participant", "participants"),
        count(exemplars as u64),
        if exemplars == 1 {
            "exemplar"
        } else {
            "exemplars"
        },
        count(ffs as u64),
        if ffs == 1 {
            "fast follower"
        } else {
            "fast followers"
        },
        format_money(allocated),
        format_money(cap),
        format_money(released),
    );
    if let Some(p) = percent(released as f64, allocated as f64) {
        out.push_str(&format!(" ({p}% of the allocation)"));
    }
    out.push('.');
    let reported: Vec<i64> = rows.iter().filter_map(|r| r.spent).collect();
    if !reported.is_empty() {
        out.push_str(&format!(
            " Spend reported by {} of them: {}.",
            count(reported.len() as u64),
            format_money(reported.iter().sum())
        ));
    }
    if let Some(top) = rows
        .iter()
        .min_by(|a, b| b.allocated.cmp(&a.allocated).then(a.code.cmp(&b.code)))
    {
        out.push_str(&format!(
            " Largest allocation: {} ({}), {}.",
            clean(&top.name),
            clean(&top.code),
            format_money(top.allocated)
        ));
    }
    let over: Vec<&FundingBar> = rows.iter().filter(|r| r.allocated > r.cap).collect();
    if !over.is_empty() {
        out.push_str(&format!(
            " {} allocated more than the cap.",
            plural(over.len(), "participant is", "participants are")
        ));
    }
    out
}

/// Funding by participant as an accessible SVG document.
pub fn funding_by_participant_svg(
    rows: &[FundingBar],
    opts: &ChartOptions,
) -> Result<String, ChartError> {
    let (chart, note) = prepare(rows, opts);
    let desc = render::join(funding_by_participant_description(rows), note);
    render::to_svg(&chart, opts, &desc)
}

/// Funding by participant as PNG bytes.
pub fn funding_by_participant_png(
    rows: &[FundingBar],
    opts: &ChartOptions,
) -> Result<Vec<u8>, ChartError> {
    let (chart, _) = prepare(rows, opts);
    render::to_png(&chart, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testutil::*;

    fn big(n: usize) -> Vec<FundingBar> {
        (0..n)
            .map(|i| FundingBar {
                code: format!("X{i:05}"),
                name: format!("Trust {i}"),
                group: if i % 3 == 0 {
                    ParticipantGroup::FastFollower
                } else {
                    ParticipantGroup::Exemplar
                },
                cap: 1_000_000_000,
                allocated: 100_000_000 + (i as i64 * 7_919) % 900_000_000,
                released: 50_000_000,
                spent: None,
            })
            .collect()
    }

    #[test]
    fn svg_is_accessible_and_labelled() {
        let rows = seed_funding();
        let o = opts("Central funding by participant").subtitle("At 31 March 2021");
        let svg = funding_by_participant_svg(&rows, &o).unwrap();
        assert_accessible(&svg, "Central funding by participant");
        for text in [
            "£ million",
            "Participant (ODS code)",
            "Exemplar: released",
            "Fast follower: allocated, not yet released",
            "Funding cap",
            "Spent (as reported)",
            "At 31 March 2021",
            "Other (13 participants)",
            "Largest 25 of 38 participants by allocation; the other 13 are grouped",
        ] {
            assert!(svg.contains(text), "missing {text:?}");
        }
        assert!(
            desc_of(&svg)
                .starts_with("Funding for 38 participants (26 exemplars, 12 fast followers): £")
        );
    }

    #[test]
    fn ten_thousand_participants_are_grouped() {
        let rows = big(10_000);
        let svg = funding_by_participant_svg(&rows, &opts("Funding")).unwrap();
        assert!(svg.contains("Other (9,975 participants)"));
        assert!(svg.contains(
            "Largest 25 of 10,000 participants by allocation; the other 9,975 are grouped"
        ));
        assert_well_formed(&svg);
        // The other bar sums the money: the description total is unchanged.
        let total: i64 = rows.iter().map(|r| r.allocated).sum();
        assert!(desc_of(&svg).contains(&format_money(total)));
    }

    #[test]
    fn short_canvas_draws_fewer_bars() {
        let rows = big(100);
        let svg = funding_by_participant_svg(&rows, &opts("Funding").size(1200, 300)).unwrap();
        assert!(
            svg.contains("Largest 14 of 100 participants by allocation; the other 86 are grouped")
        );
        assert!(has_text(&svg, "Other (86 participants)"));
    }

    #[test]
    fn small_programmes_show_everyone() {
        let rows: Vec<FundingBar> = seed_funding().into_iter().take(5).collect();
        let svg = funding_by_participant_svg(&rows, &opts("Funding")).unwrap();
        assert!(svg.contains("All 5 participants, largest allocation first."));
        assert!(!svg.contains("Other ("));
    }

    #[test]
    fn description_reports_totals() {
        let rows = vec![
            FundingBar {
                code: "RAL".into(),
                name: "Royal Free London NHS FT".into(),
                group: ParticipantGroup::Exemplar,
                cap: 1_000_000_000,
                allocated: 960_000_000,
                released: 480_000_000,
                spent: Some(100_000_050),
            },
            FundingBar {
                code: "RD8".into(),
                name: "Milton Keynes University Hospital NHS FT".into(),
                group: ParticipantGroup::FastFollower,
                cap: 500_000_000,
                allocated: 500_000_000,
                released: 500_000_000,
                spent: None,
            },
        ];
        assert_eq!(
            funding_by_participant_description(&rows),
            "Funding for 2 participants (1 exemplar, 1 fast follower): £14,600,000 allocated against caps of £15,000,000; £9,800,000 released (67% of the allocation). Spend reported by 1 of them: £1,000,000.50. Largest allocation: Royal Free London NHS FT (RAL), £9,600,000."
        );
    }

    #[test]
    fn hostile_labels_stay_well_formed() {
        let mut rows = seed_funding();
        rows[0].code = "<b>&\"'\u{0}".into();
        rows[0].name = "]]> & <script>".into();
        let o = opts("Funding <&> \"quoted\"").subtitle("a & b < c");
        let svg = funding_by_participant_svg(&rows, &o).unwrap();
        assert_accessible(&svg, "Funding <&> \"quoted\"");
    }

    #[test]
    fn bad_sizes_are_errors() {
        let rows = seed_funding();
        assert!(matches!(
            funding_by_participant_png(&rows, &opts("F").size(10, 10)),
            Err(ChartError::InvalidSize { .. })
        ));
        assert!(funding_by_participant_svg(&rows, &opts("F").size(100_000, 700)).is_err());
    }
}
