//! Number, money and date formatting shared by the charts and their text
//! alternatives. Money is integer pence; output follows the GDE style
//! (`£9,600,000`, pence only when non-zero).

/// The minus sign used in chart labels (U+2212, wider and clearer than `-`).
pub(crate) const MINUS: char = '\u{2212}';

/// Groups the digits of a non-negative integer in threes: `1234567` → `1,234,567`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats pence as pounds: `960000000` → `£9,600,000`, `123450` → `£1,234.50`,
/// `-5000` → `-£50`. Pence are shown only when non-zero.
pub fn format_money(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let abs = pence.unsigned_abs();
    let (pounds, rem) = (abs / 100, abs % 100);
    if rem == 0 {
        format!("{sign}£{}", group_thousands(pounds))
    } else {
        format!("{sign}£{}.{rem:02}", group_thousands(pounds))
    }
}

/// Pence as millions of pounds for axis arithmetic.
pub(crate) fn pence_to_millions(pence: i64) -> f64 {
    pence as f64 / 100_000_000.0
}

/// A compact money label for bars: `£9.6m`, `£0.45m`, `£0`.
pub(crate) fn format_millions(pence: i64) -> String {
    let m = pence_to_millions(pence);
    let sign = if m < 0.0 {
        MINUS.to_string()
    } else {
        String::new()
    };
    let a = m.abs();
    if pence == 0 {
        "£0".to_string()
    } else if a >= 0.1 {
        format!("{sign}£{}m", format_decimal(a, 1))
    } else {
        format!("{sign}£{}m", format_decimal(a, 2))
    }
}

/// A non-negative number with thousands separators and a fixed number of
/// decimals (rounded half away from zero).
pub(crate) fn format_decimal(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let int: u64 = int.parse().unwrap_or(0);
    let mut out = String::new();
    if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push(MINUS);
    }
    out.push_str(&group_thousands(int));
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An integer count with thousands separators: `10000` → `10,000`.
pub(crate) fn count(n: impl Into<u64>) -> String {
    group_thousands(n.into())
}

/// `1 participant`, `2 participants`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", count(n as u64))
    }
}

/// A whole-number percentage of `part` in `whole`, or `None` when `whole` is 0.
pub(crate) fn percent(part: f64, whole: f64) -> Option<i64> {
    if whole == 0.0 {
        None
    } else {
        Some((part / whole * 100.0).round() as i64)
    }
}

/// A signed day count for labels: `+12 days`, `−3 days`, `0 days`, `1 day`.
pub(crate) fn signed_days(days: f64) -> String {
    let rounded = (days * 10.0).round() / 10.0;
    let decimals = if rounded.fract() == 0.0 { 0 } else { 1 };
    let body = format_decimal(rounded.abs(), decimals);
    let unit = if rounded.abs() == 1.0 { "day" } else { "days" };
    if rounded > 0.0 {
        format!("+{body} {unit}")
    } else if rounded < 0.0 {
        format!("{MINUS}{body} {unit}")
    } else {
        format!("0 {unit}")
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `March 2019`.
pub(crate) fn month_long(year: i32, month: u8) -> String {
    format!("{} {year}", MONTHS[usize::from(month.clamp(1, 12)) - 1])
}

/// `Mar 2019`.
pub(crate) fn month_short(year: i32, month: u8) -> String {
    format!(
        "{} {year}",
        &MONTHS[usize::from(month.clamp(1, 12)) - 1][..3]
    )
}

/// Removes characters that XML 1.0 cannot carry and trims the text, so that
/// caller-supplied labels can never make the SVG ill-formed.
pub(crate) fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| !c.is_control() || c == '\t' || c == '\n' || c == '\r')
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|&c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// Escapes text for use in XML content and attribute values.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_in_pounds_with_separators() {
        assert_eq!(format_money(960_000_000), "£9,600,000");
        assert_eq!(format_money(25_785_000_000), "£257,850,000");
        assert_eq!(format_money(0), "£0");
        assert_eq!(format_money(99), "£0.99");
        assert_eq!(format_money(123_450), "£1,234.50");
        assert_eq!(format_money(100_005), "£1,000.05");
        assert_eq!(format_money(-5_000), "-£50");
        assert_eq!(format_money(-123_456_789), "-£1,234,567.89");
        assert_eq!(format_money(i64::MIN), "-£92,233,720,368,547,758.08");
    }

    #[test]
    fn thousands_grouping() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(10_000), "10,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn compact_millions() {
        assert_eq!(format_millions(960_000_000), "£9.6m");
        assert_eq!(format_millions(1_000_000_000), "£10.0m");
        assert_eq!(format_millions(4_600_000), "£0.05m");
        assert_eq!(format_millions(0), "£0");
        assert_eq!(format_millions(-250_000_000), "\u{2212}£2.5m");
    }

    #[test]
    fn decimals_and_days() {
        assert_eq!(format_decimal(1234.5, 1), "1,234.5");
        assert_eq!(format_decimal(-0.01, 1), "0.0");
        assert_eq!(format_decimal(-2.0, 0), "\u{2212}2");
        assert_eq!(signed_days(12.0), "+12 days");
        assert_eq!(signed_days(-1.0), "\u{2212}1 day");
        assert_eq!(signed_days(0.0), "0 days");
        assert_eq!(signed_days(2.5), "+2.5 days");
    }

    #[test]
    fn months_and_plurals() {
        assert_eq!(month_long(2019, 3), "March 2019");
        assert_eq!(month_short(2016, 12), "Dec 2016");
        assert_eq!(plural(1, "participant", "participants"), "1 participant");
        assert_eq!(
            plural(9_975, "participant", "participants"),
            "9,975 participants"
        );
        assert_eq!(percent(1.0, 3.0), Some(33));
        assert_eq!(percent(1.0, 0.0), None);
    }

    #[test]
    fn escaping_removes_controls_and_escapes_markup() {
        assert_eq!(
            xml_escape("A & B <c> \"d\" 'e'"),
            "A &amp; B &lt;c&gt; &quot;d&quot; &apos;e&apos;"
        );
        assert_eq!(xml_escape("bad\u{0}\u{7}text\u{FFFF}"), "badtext");
        assert_eq!(clean("  tab\tok \u{1b}[31m "), "tab ok [31m");
    }
}
