//! Chart 6: digital maturity (HIMSS EMRAM stage 0–7) by participant against
//! its target, those furthest below target first (not assessed first of
//! all); the rest summarised as one bar at their median stage.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::format::{clean, count, format_decimal, plural};
use super::frame::{self, Area, Drawn, Fill, Header, LegendItem, Pattern, Scale, Swatch};
use super::group::{median, top_n};
use super::hbar::{HBarLayout, bar_budget, other_label};
use super::render::{self, Chart};
use super::rows::{MaturityBar, ParticipantGroup};
use super::style::{self, Theme};
use super::{ChartError, ChartOptions};

const X_DESC: &str = "HIMSS EMRAM stage (0–7)";
const Y_DESC: &str = "Participant (ODS code)";
const MAX_STAGE: u8 = 7;

fn fill(group: Option<ParticipantGroup>) -> Fill {
    match group {
        Some(ParticipantGroup::Exemplar) => Fill::solid(style::BLUE),
        Some(ParticipantGroup::FastFollower) => Fill::patterned(
            style::ORANGE,
            Pattern::Diagonal,
            style::shade(style::ORANGE, 0.45),
        ),
        None => Fill::patterned(
            style::GREY_FILL,
            Pattern::Horizontal,
            style::shade(style::GREY_FILL, 0.4),
        ),
    }
}

struct Row {
    label: String,
    group: Option<ParticipantGroup>,
    /// Stage (median for the grouped row); `None` = not assessed.
    stage: Option<f64>,
    target: Option<u8>,
    /// Grouped row only: how many in the group are not assessed.
    unassessed: usize,
}

struct MaturityChart {
    title: String,
    paragraphs: Vec<String>,
    rows: Vec<Row>,
    has_other: bool,
    groups: [bool; 2],
}

fn validate(rows: &[MaturityBar]) -> Result<(), ChartError> {
    for r in rows {
        if r.stage.is_some_and(|s| s > MAX_STAGE) || r.target > MAX_STAGE {
            return Err(ChartError::InvalidInput(format!(
                "HIMSS EMRAM stages run 0–7; {} has stage {:?} and target {}",
                clean(&r.code),
                r.stage,
                r.target
            )));
        }
    }
    Ok(())
}

/// Ranking: not assessed first, then the largest gap to target, then the
/// lowest stage, then ODS code.
fn rank(r: &MaturityBar) -> (bool, i16, u8, &str) {
    let gap = r
        .stage
        .map_or(i16::MAX, |s| i16::from(r.target) - i16::from(s));
    (
        r.stage.is_some(),
        -gap,
        r.stage.unwrap_or(0),
        r.code.as_str(),
    )
}

fn participant_row(r: &MaturityBar) -> Row {
    Row {
        label: clean(&r.code),
        group: Some(r.group),
        stage: r.stage.map(f64::from),
        target: Some(r.target),
        unassessed: 0,
    }
}

/// The grouped row for `rest`: median stage of those assessed.
fn other_row(rest: &[&MaturityBar]) -> Row {
    let mut stages: Vec<i64> = rest.iter().filter_map(|r| r.stage.map(i64::from)).collect();
    Row {
        label: other_label(rest.len()),
        group: None,
        stage: median(&mut stages),
        target: None,
        unassessed: rest.len() - stages.len(),
    }
}

fn prepare(rows: &[MaturityBar], opts: &ChartOptions) -> (MaturityChart, String) {
    let n = bar_budget(opts);
    let unassessed = rows.iter().filter(|r| r.stage.is_none()).count();
    let total = count(rows.len() as u64);
    let mut out: Vec<Row> = Vec::new();
    let mut groups = [false; 2];
    let mut mark =
        |g: ParticipantGroup| groups[usize::from(g == ParticipantGroup::FastFollower)] = true;
    let note = if unassessed <= (n / 5).max(3) {
        // Few enough unassessed participants to name each one.
        let top = top_n(rows, n, rank);
        top.shown.iter().for_each(|r| mark(r.group));
        out.extend(top.shown.iter().map(|r| participant_row(r)));
        if top.rest.is_empty() {
            format!(
                "All {}, furthest below target first (not assessed first of all).",
                plural(top.total(), "participant", "participants")
            )
        } else {
            out.push(other_row(&top.rest));
            format!(
                "The {} of {total} participants furthest below target (not assessed first); the other {} are shown as one bar at their median stage.",
                top.shown.len(),
                count(top.rest.len() as u64),
            )
        }
    } else {
        // Many unassessed: one bar for them, then the assessed furthest
        // below target.
        let assessed: Vec<&MaturityBar> = rows.iter().filter(|r| r.stage.is_some()).collect();
        let top = top_n(&assessed, n.saturating_sub(1).max(1), |r| rank(r));
        out.push(Row {
            label: format!(
                "Not assessed ({})",
                plural(unassessed, "participant", "participants")
            ),
            group: None,
            stage: None,
            target: None,
            unassessed,
        });
        top.shown.iter().for_each(|r| mark(r.group));
        out.extend(top.shown.iter().map(|r| participant_row(r)));
        let mut text = format!(
            "{} of {total} participants are not assessed (first bar); of the others, the {} furthest below target are shown",
            count(unassessed as u64),
            top.shown.len(),
        );
        if top.rest.is_empty() {
            text.push('.');
        } else {
            let rest: Vec<&MaturityBar> = top.rest.iter().map(|r| **r).collect();
            out.push(other_row(&rest));
            text.push_str(&format!(
                " and the other {} as one bar at their median stage.",
                count(rest.len() as u64)
            ));
        }
        text
    };
    let mut paragraphs: Vec<String> = opts.subtitle.iter().map(|s| clean(s)).collect();
    if !rows.is_empty() {
        paragraphs.push(note.clone());
    }
    // In the image; the description carries it too.
    paragraphs.extend(scale_caveat(rows));
    let chart = MaturityChart {
        title: clean(&opts.title),
        paragraphs,
        has_other: out.iter().any(|r| r.group.is_none() && r.stage.is_some()),
        groups,
        rows: out,
    };
    (chart, if rows.is_empty() { String::new() } else { note })
}

fn stage_text(v: f64) -> String {
    format_decimal(v, if v.fract() == 0.0 { 0 } else { 1 })
}

fn value_label(r: &Row) -> String {
    match (r.target, r.stage) {
        (Some(t), Some(s)) => format!("Stage {} (target {t})", stage_text(s)),
        (Some(t), None) => format!("Not assessed (target {t})"),
        (None, Some(s)) if r.unassessed > 0 => {
            format!(
                "median stage {}; {} not assessed",
                stage_text(s),
                count(r.unassessed as u64)
            )
        }
        (None, Some(s)) => format!("median stage {}", stage_text(s)),
        (None, None) => "Not assessed".to_string(),
    }
}

impl Chart for MaturityChart {
    const KIND: &'static str = "maturity";

    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> Drawn {
        if self.rows.is_empty() {
            return frame::draw_no_data(
                area,
                theme,
                &self.title,
                self.paragraphs.clone(),
                "There are no participants to show.",
            );
        }
        let mut legend = Vec::new();
        for (present, group) in self
            .groups
            .iter()
            .zip([ParticipantGroup::Exemplar, ParticipantGroup::FastFollower])
        {
            if *present {
                let target = if group == ParticipantGroup::Exemplar {
                    "aims for 7"
                } else {
                    "aims for 5"
                };
                legend.push(LegendItem::new(
                    format!("{} ({target})", group.label()),
                    Swatch::Fill(fill(Some(group))),
                ));
            }
        }
        if self.has_other {
            legend.push(LegendItem::new(
                "Other: median stage",
                Swatch::Fill(fill(None)),
            ));
        }
        legend.push(LegendItem::new("Target stage", Swatch::Tick(style::TEXT)));
        let top = frame::draw_header(
            area,
            theme,
            &Header {
                title: &self.title,
                paragraphs: self.paragraphs.clone(),
                legend,
            },
        )?;

        let labels: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        let probe = HBarLayout::new(theme, top, &labels, 0);
        let gap = theme.px(8.0);
        let right = frame::max_label_width(
            &probe.value,
            self.rows
                .iter()
                .filter(|r| r.stage.is_some())
                .map(value_label),
        ) + gap * 2;
        let lay = HBarLayout::new(theme, top, &labels, right);
        let plot = lay.plot;
        let ticks = frame::Ticks {
            lo: 0.0,
            hi: f64::from(MAX_STAGE),
            step: 1.0,
            values: (0..=MAX_STAGE).map(f64::from).collect(),
            decimals: 0,
        };
        let scale = Scale::new(0.0, f64::from(MAX_STAGE), plot.x0, plot.x1);
        frame::draw_x_value_axis(area, theme, &plot, &scale, &ticks, &|v| format!("{v:.0}"))?;
        frame::draw_x_desc(area, theme, &plot, X_DESC)?;
        frame::draw_y_desc(area, theme, &plot, Y_DESC)?;
        let grouped: Vec<bool> = self.rows.iter().map(|r| r.group.is_none()).collect();
        lay.draw_labels(area, theme, &labels, &grouped)?;

        let zero = scale.map(0.0);
        for (i, r) in self.rows.iter().enumerate() {
            let (t, b) = lay.bar(i);
            let c = lay.center(i);
            let mut end = zero;
            if let Some(s) = r.stage {
                // Stage 0 still gets a sliver so it reads as "assessed, 0".
                end = scale.map(s).max(zero + theme.px(3.0));
                frame::fill_rect(area, theme, (zero, t, end, b), &fill(r.group))?;
            }
            if let Some(target) = r.target {
                let x = scale.map(f64::from(target));
                let over = ((b - t) / 4).max(2);
                let half = theme.px(1.5).max(1);
                area.draw(&Rectangle::new(
                    [(x - half, t - over), (x + half, b + over)],
                    style::TEXT.filled(),
                ))?;
                end = end.max(x);
            }
            if r.stage.is_none() {
                // Said where the bar would be, so the gap cannot be missed.
                let bold = theme.text(lay.value.font.get_size() / theme.s, true, &style::TEXT);
                frame::draw_text(
                    area,
                    &value_label(r),
                    &bold,
                    (zero + gap, c),
                    HPos::Left,
                    VPos::Center,
                )?;
            } else {
                frame::draw_text(
                    area,
                    &value_label(r),
                    &lay.value,
                    (end + gap, c),
                    HPos::Left,
                    VPos::Center,
                )?;
            }
        }
        Ok(())
    }
}

/// Plain-English summary of the maturity rows.
pub fn maturity_description(rows: &[MaturityBar]) -> String {
    if rows.is_empty() {
        return "No data: there are no digital maturity assessments to show.".to_string();
    }
    let assessed = rows.iter().filter(|r| r.stage.is_some()).count();
    let at_target = rows
        .iter()
        .filter(|r| r.stage.is_some_and(|s| s >= r.target))
        .count();
    let mut out = format!(
        "HIMSS EMRAM stage for {}: {} at or above target, {} below target and {} not assessed.",
        plural(rows.len(), "participant", "participants"),
        count(at_target as u64),
        count((assessed - at_target) as u64),
        count((rows.len() - assessed) as u64),
    );
    for group in [ParticipantGroup::Exemplar, ParticipantGroup::FastFollower] {
        let members: Vec<&MaturityBar> = rows.iter().filter(|r| r.group == group).collect();
        if members.is_empty() {
            continue;
        }
        let reached = members
            .iter()
            .filter(|r| r.stage.is_some_and(|s| s >= r.target))
            .count();
        let mut stages: Vec<i64> = members
            .iter()
            .filter_map(|r| r.stage.map(i64::from))
            .collect();
        out.push_str(&format!(
            " {}: {} of {} at target",
            match group {
                ParticipantGroup::Exemplar => "Exemplars",
                ParticipantGroup::FastFollower => "Fast followers",
            },
            count(reached as u64),
            count(members.len() as u64),
        ));
        match median(&mut stages) {
            Some(m) => out.push_str(&format!(", median stage {}.", stage_text(m))),
            None => out.push('.'),
        }
    }
    if let Some(caveat) = scale_caveat(rows) {
        out.push(' ');
        out.push_str(&caveat);
    }
    out
}

/// HIMSS EMRAM fits acute trusts only: said plainly when others are shown.
fn scale_caveat(rows: &[MaturityBar]) -> Option<String> {
    let others = rows.iter().filter(|r| !r.acute).count();
    (others > 0).then(|| {
        format!(
            "HIMSS EMRAM measures acute hospitals: the stages of the {} mental-health, community and ambulance {} are not comparable with acute trusts'.",
            count(others as u64),
            if others == 1 { "participant" } else { "participants" },
        )
    })
}

/// Digital maturity as an accessible SVG document.
pub fn maturity_svg(rows: &[MaturityBar], opts: &ChartOptions) -> Result<String, ChartError> {
    validate(rows)?;
    let (chart, note) = prepare(rows, opts);
    render::to_svg(
        &chart,
        opts,
        &render::join(maturity_description(rows), note),
    )
}

/// Digital maturity as PNG bytes.
pub fn maturity_png(rows: &[MaturityBar], opts: &ChartOptions) -> Result<Vec<u8>, ChartError> {
    validate(rows)?;
    let (chart, _) = prepare(rows, opts);
    render::to_png(&chart, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testutil::*;

    fn row(code: &str, group: ParticipantGroup, stage: Option<u8>) -> MaturityBar {
        MaturityBar {
            acute: true,
            code: code.into(),
            name: format!("Trust {code}"),
            group,
            stage,
            target: if group == ParticipantGroup::Exemplar {
                7
            } else {
                5
            },
        }
    }

    #[test]
    fn svg_is_accessible_and_labelled() {
        let rows = seed_maturity();
        let svg = maturity_svg(&rows, &opts("Digital maturity")).unwrap();
        assert_accessible(&svg, "Digital maturity");
        for text in [
            "HIMSS EMRAM stage (0–7)",
            "Participant (ODS code)",
            "Exemplar (aims for 7)",
            "Fast follower (aims for 5)",
            "Target stage",
            "Not assessed (target 7)",
            "Other (13 participants)",
            "The 25 of 38 participants furthest below target (not assessed first); the other 13 are shown as one bar at their median stage.",
        ] {
            assert!(svg.contains(text), "missing {text:?}");
        }
    }

    #[test]
    fn ranking_puts_unassessed_then_largest_gap_first() {
        use ParticipantGroup::*;
        let rows = [
            row("AAA", Exemplar, Some(7)),
            row("BBB", FastFollower, Some(2)),
            row("CCC", Exemplar, Some(3)),
            row("DDD", Exemplar, None),
        ];
        let mut sorted: Vec<&MaturityBar> = rows.iter().collect();
        sorted.sort_by_key(|r| rank(r));
        let codes: Vec<&str> = sorted.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["DDD", "CCC", "BBB", "AAA"]);
    }

    #[test]
    fn description_counts_against_targets() {
        use ParticipantGroup::*;
        let rows = vec![
            row("RAL", Exemplar, Some(7)),
            row("RGT", Exemplar, Some(6)),
            row("RD8", FastFollower, Some(5)),
            row("RHW", FastFollower, None),
        ];
        assert_eq!(
            maturity_description(&rows),
            "HIMSS EMRAM stage for 4 participants: 2 at or above target, 1 below target and 1 not assessed. Exemplars: 1 of 2 at target, median stage 6.5. Fast followers: 1 of 2 at target, median stage 5."
        );
    }

    #[test]
    fn big_programmes_group_and_bad_stages_are_rejected() {
        let rows: Vec<MaturityBar> = (0..10_000)
            .map(|i| {
                row(
                    &format!("X{i:05}"),
                    ParticipantGroup::Exemplar,
                    Some((i % 8) as u8),
                )
            })
            .collect();
        let svg = maturity_svg(&rows, &opts("Maturity")).unwrap();
        assert!(svg.contains("Other (9,975 participants)"));
        assert_well_formed(&svg);
        let bad = vec![row("RAL", ParticipantGroup::Exemplar, Some(8))];
        assert!(matches!(
            maturity_png(&bad, &opts("M")),
            Err(ChartError::InvalidInput(_))
        ));
    }

    #[test]
    fn many_unassessed_become_one_bar() {
        let rows: Vec<MaturityBar> = (0..1_000)
            .map(|i| {
                let stage = if i % 10 == 0 {
                    None
                } else {
                    Some((i % 8) as u8)
                };
                row(&format!("X{i:04}"), ParticipantGroup::Exemplar, stage)
            })
            .collect();
        let svg = maturity_svg(&rows, &opts("Maturity")).unwrap();
        assert!(has_text(&svg, "Not assessed (100 participants)"));
        assert!(has_text(&svg, "Other (876 participants)"));
        assert!(svg.contains(
            "100 of 1,000 participants are not assessed (first bar); of the others, the 24 furthest below target are shown and the other 876 as one bar at their median stage."
        ));
        // The 24 shown are all at stage 0 (the largest gap).
        assert_eq!(
            texts(&svg)
                .iter()
                .filter(|t| *t == "Stage 0 (target 7)")
                .count(),
            24
        );
    }
}
