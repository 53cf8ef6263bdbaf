//! Small reusable pieces: money, dates, tags.
use maud::{Markup, html};
use time::Date;

use crate::domain::dates::{ApproxDate, display_date};
use crate::domain::milestone::{MilestoneStatus, Timeliness};
use crate::domain::money::Pence;
use crate::domain::participant::Confidence;

pub fn money(p: Pence) -> Markup {
    html! { (p.to_string()) }
}

pub fn date(d: Date) -> Markup {
    html! { time datetime=(d.to_string()) { (display_date(d)) } }
}

pub fn optional_date(d: Option<Date>) -> Markup {
    match d {
        Some(d) => date(d),
        None => html! { span.nhsuk-u-secondary-text-colour { "—" } },
    }
}

pub fn approx_date(d: &ApproxDate) -> Markup {
    html! { time datetime=(machine_approx(d)) { (d.to_string()) } }
}

fn machine_approx(d: &ApproxDate) -> String {
    let (date, precision) = d.to_storage();
    if precision == "month" {
        format!("{}-{:02}", date.year(), u8::from(date.month()))
    } else {
        date.to_string()
    }
}

/// A coloured label; the text always carries the meaning, never colour alone.
pub fn tag(text: &str, class: &str) -> Markup {
    html! { strong class={ "nhsuk-tag nhsuk-tag--" (class) } { (text) } }
}

pub fn illustrative_tag() -> Markup {
    tag("Illustrative", "grey")
}

pub fn confidence_tag(c: Confidence) -> Markup {
    let class = match c {
        Confidence::High => "green",
        Confidence::Medium => "yellow",
        Confidence::Low => "orange",
    };
    tag(&format!("{} confidence", c.label()), class)
}

pub fn timeliness_tag(t: Timeliness) -> Markup {
    match t {
        Timeliness::Complete => tag("Complete", "green"),
        Timeliness::Cancelled => tag("Cancelled", "grey"),
        Timeliness::Overdue => tag("Overdue", "red"),
        Timeliness::DueSoon => tag("Due soon", "yellow"),
        Timeliness::NotYetDue => tag("Not yet due", "blue"),
    }
}

pub fn status_label(s: MilestoneStatus) -> &'static str {
    s.label()
}

/// Slippage in days: "+120 days late", "14 days early", "On time".
pub fn slippage(days: i64) -> Markup {
    match days {
        0 => html! { "On time" },
        d if d > 0 => html! { span.late { (d) " days late" } },
        d => html! { (d.abs()) " days early" },
    }
}

/// An instant in UTC, e.g. `22 November 2026 14:05 UTC`.
pub fn datetime(t: time::OffsetDateTime) -> Markup {
    let utc = t.to_offset(time::UtcOffset::UTC);
    html! {
        time datetime=(format!("{}T{:02}:{:02}:{:02}Z", utc.date(), utc.hour(), utc.minute(), utc.second())) {
            (display_date(utc.date())) " " (format!("{:02}:{:02}", utc.hour(), utc.minute())) " UTC"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_read_as_day_month_year() {
        assert_eq!(
            date(date!(2019 - 03 - 31)).into_string(),
            r#"<time datetime="2019-03-31">31 March 2019</time>"#
        );
    }

    #[test]
    fn month_precision_dates_keep_a_month_datetime() {
        let d = ApproxDate::parse("2016-09").unwrap();
        assert_eq!(
            approx_date(&d).into_string(),
            r#"<time datetime="2016-09">September 2016</time>"#
        );
    }

    #[test]
    fn slippage_reads_in_words() {
        assert_eq!(slippage(0).into_string(), "On time");
        assert!(slippage(5).into_string().contains("5 days late"));
        assert_eq!(slippage(-3).into_string(), "3 days early");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            tag("<script>", "red").into_string(),
            r#"<strong class="nhsuk-tag nhsuk-tag--red">&lt;script&gt;</strong>"#
        );
    }
}
