//! Test helpers: a small XML well-formedness checker (no dependency), PNG
//! checks and seed-sized sample rows.

use super::rows::*;

/// Panics unless `xml` is a well-formed XML document: one root element,
/// properly nested and quoted, only valid entity references, no stray
/// `<` or `&`, no duplicate attributes, no characters XML 1.0 forbids.
pub(crate) fn assert_well_formed(xml: &str) {
    if let Err(e) = check_well_formed(xml) {
        let at = e.1.min(xml.len());
        let from = xml[..at].char_indices().rev().nth(80).map_or(0, |(i, _)| i);
        let to = xml[at..]
            .char_indices()
            .nth(80)
            .map_or(xml.len(), |(i, _)| at + i);
        panic!(
            "not well-formed XML: {} at byte {}: …{}…",
            e.0,
            e.1,
            &xml[from..to]
        );
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':' || (c as u32) > 0x7f
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit() || c == '-' || c == '.'
}

fn check_chars_and_entities(s: &str, base: usize) -> Result<(), (String, usize)> {
    let mut i = 0;
    let b = s.as_bytes();
    for (j, c) in s.char_indices() {
        let bad = matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}');
        if bad {
            return Err((format!("forbidden character U+{:04X}", c as u32), base + j));
        }
        if c == '<' {
            return Err(("raw '<' in text or attribute".into(), base + j));
        }
    }
    while i < b.len() {
        if b[i] == b'&' {
            let end = s[i..]
                .find(';')
                .ok_or(("unterminated entity".to_string(), base + i))?;
            let ent = &s[i + 1..i + end];
            let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
                || (ent.starts_with("#x")
                    && ent.len() > 2
                    && ent[2..].chars().all(|c| c.is_ascii_hexdigit()))
                || (ent.starts_with('#')
                    && ent.len() > 1
                    && ent[1..].chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err((format!("bad entity &{ent};"), base + i));
            }
            i += end + 1;
        } else {
            i += 1;
        }
    }
    Ok(())
}

pub(crate) fn check_well_formed(xml: &str) -> Result<(), (String, usize)> {
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut i = 0;
    let n = xml.len();
    while i < n {
        let rest = &xml[i..];
        if let Some(text_len) = rest.find('<').or(Some(rest.len())).filter(|&l| l > 0) {
            let text = &rest[..text_len];
            if stack.is_empty() && !text.trim().is_empty() {
                return Err(("text outside the root element".into(), i));
            }
            check_chars_and_entities(text, i)?;
            i += text_len;
            continue;
        }
        // rest starts with '<'
        if rest.starts_with("<?") {
            let end = rest.find("?>").ok_or(("unterminated <?".to_string(), i))?;
            if i != 0 || roots > 0 {
                // Only the XML declaration is expected, and only first.
                return Err(("processing instruction not at start".into(), i));
            }
            i += end + 2;
        } else if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment
                .find("-->")
                .ok_or(("unterminated comment".to_string(), i))?;
            i += 4 + end + 3;
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after
                .find('>')
                .ok_or(("unterminated end tag".to_string(), i))?;
            let name = after[..end].trim_end();
            match stack.pop() {
                Some(open) if open == name => {}
                Some(open) => return Err((format!("</{name}> closes <{open}>"), i)),
                None => return Err((format!("</{name}> without an open element"), i)),
            }
            i += 2 + end + 1;
        } else {
            // Start or empty-element tag.
            let body_start = i + 1;
            let mut chars = xml[body_start..].char_indices().peekable();
            let first = chars
                .peek()
                .map(|&(_, c)| c)
                .ok_or(("'<' at end".to_string(), i))?;
            if !is_name_start(first) {
                return Err(("raw '<' in text".into(), i));
            }
            let name_len = xml[body_start..]
                .find(|c: char| !is_name_char(c))
                .ok_or(("unterminated tag".to_string(), i))?;
            let name = &xml[body_start..body_start + name_len];
            let mut j = body_start + name_len;
            let mut attrs: Vec<&str> = Vec::new();
            loop {
                let ws = xml[j..].len() - xml[j..].trim_start().len();
                j += ws;
                let r = &xml[j..];
                if r.starts_with("/>") {
                    j += 2;
                    if stack.is_empty() {
                        roots += 1;
                    }
                    break;
                }
                if r.starts_with('>') {
                    j += 1;
                    if stack.is_empty() {
                        roots += 1;
                    }
                    stack.push(name);
                    break;
                }
                if ws == 0 {
                    return Err((format!("missing space before attribute in <{name}>"), j));
                }
                let an_len = r
                    .find(|c: char| !is_name_char(c))
                    .ok_or(("unterminated tag".to_string(), j))?;
                if an_len == 0 || !is_name_start(r.chars().next().unwrap()) {
                    return Err((format!("bad attribute in <{name}>"), j));
                }
                let an = &r[..an_len];
                if attrs.contains(&an) {
                    return Err((format!("duplicate attribute {an} in <{name}>"), j));
                }
                attrs.push(an);
                j += an_len;
                let r = xml[j..].trim_start();
                j = n - r.len();
                if !r.starts_with('=') {
                    return Err((format!("attribute {an} without value"), j));
                }
                j += 1;
                let r = xml[j..].trim_start();
                j = n - r.len();
                let q = r
                    .chars()
                    .next()
                    .ok_or(("unterminated tag".to_string(), j))?;
                if q != '"' && q != '\'' {
                    return Err((format!("unquoted attribute {an}"), j));
                }
                let close = r[1..]
                    .find(q)
                    .ok_or(("unterminated attribute value".to_string(), j))?;
                check_chars_and_entities(&r[1..1 + close], j + 1)?;
                j += 1 + close + 1;
            }
            if roots > 1 {
                return Err(("more than one root element".into(), i));
            }
            i = j;
        }
    }
    if let Some(open) = stack.pop() {
        return Err((format!("<{open}> never closed"), n));
    }
    if roots != 1 {
        return Err(("no root element".into(), n));
    }
    Ok(())
}

/// Asserts the bytes are a PNG of the given size.
pub(crate) fn assert_png(bytes: &[u8], width: u32, height: u32) {
    assert!(
        bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "PNG signature"
    );
    let img =
        image::load_from_memory_with_format(bytes, image::ImageFormat::Png).expect("PNG decodes");
    assert_eq!((img.width(), img.height()), (width, height));
}

/// Asserts the standard accessibility hooks on a rendered SVG.
pub(crate) fn assert_accessible(svg: &str, title: &str) {
    assert_well_formed(svg);
    let root_end = svg.find('>').unwrap();
    let root = &svg[..root_end];
    assert!(root.starts_with("<svg"), "root is <svg>");
    assert!(root.contains(r#"role="img""#), "role=img on root");
    let labelled = root
        .split("aria-labelledby=\"")
        .nth(1)
        .expect("aria-labelledby")
        .split('"')
        .next()
        .unwrap();
    let ids: Vec<&str> = labelled.split(' ').collect();
    assert_eq!(ids.len(), 2);
    let after = svg[root_end + 1..].trim_start();
    assert!(
        after.starts_with(&format!(r#"<title id="{}">"#, ids[0])),
        "title first"
    );
    assert!(
        svg.contains(&format!(r#"<desc id="{}">"#, ids[1])),
        "desc present"
    );
    assert!(svg.contains(&format!(">{}</title>", super::format::xml_escape(title))));
}

/// The text of the `<desc>` element.
pub(crate) fn desc_of(svg: &str) -> &str {
    let start = svg.find("<desc").unwrap();
    let start = start + svg[start..].find('>').unwrap() + 1;
    let end = start + svg[start..].find("</desc>").unwrap();
    &svg[start..end]
}

/// Small chart for fast tests.
pub(crate) fn opts(title: &str) -> super::ChartOptions {
    super::ChartOptions::new(title)
}

/// ODS codes of the seed programme: 26 exemplars then 12 fast followers.
pub(crate) const EXEMPLARS: [&str; 26] = [
    "RLN", "RQ6", "RM3", "RBL", "RRK", "RC9", "RGR", "RAL", "RTH", "RBA", "RA7", "RHM", "RGT",
    "RYJ", "RTD", "RBS", "RWX", "RXT", "RW4", "RX4", "RNU", "RV5", "R1A", "RX6", "RYE", "RYA",
];
pub(crate) const FAST_FOLLOWERS: [&str; 12] = [
    "RW6", "RD8", "RHW", "RVW", "REP", "RLQ", "RXL", "RJR", "RE9", "RQM", "RRV", "RC1",
];

fn participants() -> impl Iterator<Item = (usize, &'static str, ParticipantGroup)> {
    EXEMPLARS
        .iter()
        .map(|c| (*c, ParticipantGroup::Exemplar))
        .chain(
            FAST_FOLLOWERS
                .iter()
                .map(|c| (*c, ParticipantGroup::FastFollower)),
        )
        .enumerate()
        .map(|(i, (c, g))| (i, c, g))
}

pub(crate) fn seed_funding() -> Vec<FundingBar> {
    participants()
        .map(|(i, code, group)| {
            let cap: i64 = match group {
                ParticipantGroup::Exemplar if i >= 16 => 500_000_000,
                ParticipantGroup::Exemplar => 1_000_000_000,
                ParticipantGroup::FastFollower => 500_000_000,
            };
            let allocated = cap - (i as i64 % 4) * 25_000_000;
            let released = allocated * (60 + (i as i64 * 7) % 40) / 100;
            FundingBar {
                code: code.to_string(),
                name: format!("Trust {code}"),
                group,
                cap,
                allocated,
                released,
                spent: if i % 5 == 0 {
                    None
                } else {
                    Some(released * 9 / 10)
                },
            }
        })
        .collect()
}

pub(crate) fn seed_slippage() -> Vec<SlippageBar> {
    participants()
        .map(|(i, code, _)| SlippageBar {
            code: code.to_string(),
            name: format!("Trust {code}"),
            days: ((i as i64 * 53) % 300) - 60,
        })
        .collect()
}

pub(crate) fn seed_maturity() -> Vec<MaturityBar> {
    participants()
        .map(|(i, code, group)| MaturityBar {
            acute: true,
            code: code.to_string(),
            name: format!("Trust {code}"),
            group,
            stage: if i % 13 == 7 {
                None
            } else {
                Some((i % 8) as u8)
            },
            target: if group == ParticipantGroup::Exemplar {
                7
            } else {
                5
            },
        })
        .collect()
}

/// Sample burn-up: `n` months from `start` (year, month), growing by `scale`.
pub(crate) fn months(start: (i32, u8), n: usize, scale: u32) -> Vec<BurnUpPoint> {
    (0..n)
        .map(|i| {
            let m = start.0 * 12 + i32::from(start.1) - 1 + i as i32;
            let i = i as u32;
            BurnUpPoint {
                year: m.div_euclid(12),
                month: (m.rem_euclid(12) + 1) as u8,
                planned_baseline: i * 4 * scale,
                planned_forecast: i * 3 * scale,
                completed: i * 2 * scale,
                as_at_day: None,
            }
        })
        .collect()
}

/// Sample ratings: `n` quarterly periods over `participants`.
pub(crate) fn periods(n: usize, participants: u32) -> Vec<ConfidencePeriod> {
    (0..n)
        .map(|i| {
            let fy = 2016 + (i / 4) as i32;
            let nr = (n - i) as u32 % 5;
            let red = participants / 10 + (i as u32 % 3);
            let amber = participants / 3;
            ConfidencePeriod {
                label: format!("{fy}/{:02} Q{}", (fy + 1) % 100, i % 4 + 1),
                red,
                amber,
                green: participants - nr - red - amber,
                not_reported: nr,
                ..Default::default()
            }
        })
        .collect()
}

/// Sample profile: `n` financial years from 2016/17.
pub(crate) fn years(n: usize) -> Vec<FinancialYearBar> {
    (0..n)
        .map(|i| {
            let y = 2016 + i as i32;
            FinancialYearBar {
                label: format!("{y}/{:02}", (y + 1) % 100),
                profiled: 5_000_000_000 + i as i64 * 1_000_000_000,
                released: 4_000_000_000 + i as i64 * 900_000_000,
            }
        })
        .collect()
}

/// The trimmed text of every `<text>` element, unescaped.
pub(crate) fn texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        let open_end = start + rest[start..].find('>').unwrap() + 1;
        let close = open_end + rest[open_end..].find("</text>").unwrap();
        out.push(
            rest[open_end..close]
                .trim()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &rest[close..];
    }
    out
}

/// Whether some `<text>` element reads exactly `text`.
pub(crate) fn has_text(svg: &str, text: &str) -> bool {
    texts(svg).iter().any(|t| t == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_rejects_what_it_should() {
        assert!(
            check_well_formed(r#"<?xml version="1.0"?><svg a="1"><t>x &amp; y</t><g/></svg>"#)
                .is_ok()
        );
        for bad in [
            "<svg><t></svg>",
            "<svg></svg><svg></svg>",
            "<svg a=1></svg>",
            r#"<svg a="1" a="2"></svg>"#,
            "<svg>a & b</svg>",
            "<svg>a < b</svg>",
            "<svg>&nbsp;</svg>",
            "<svg>\u{1}</svg>",
            r#"<svg a="x<y"></svg>"#,
            "text<svg></svg>",
            "<svg>",
            "",
        ] {
            assert!(check_well_formed(bad).is_err(), "accepted {bad:?}");
        }
    }
}
