//! The risk blocks of the return form: as many as the trust has filled in,
//! plus one empty block. "Add another risk" and "Remove" are ordinary submit
//! buttons that show the form again with one block more or less, saving
//! nothing, so they work without JavaScript and keep whatever was typed.

/// The most risks one return holds.
pub const MAX_RISKS: usize = 20;

/// One risk block as typed: `risk_{n}_description`, `_rating`, `_mitigation`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiskRow {
    pub description: String,
    pub rating: String,
    pub mitigation: String,
}

impl RiskRow {
    pub fn is_blank(&self) -> bool {
        self.description.trim().is_empty()
            && self.rating.trim().is_empty()
            && self.mitigation.trim().is_empty()
    }
}

/// The number and part of a `risk_{n}_{part}` field name.
fn risk_field(name: &str) -> Option<(usize, &str)> {
    let (n, part) = name.strip_prefix("risk_")?.split_once('_')?;
    let n: usize = n.parse().ok()?;
    let known = matches!(part, "description" | "rating" | "mitigation");
    (known && (1..=MAX_RISKS).contains(&n)).then_some((n, part))
}

/// The risk blocks posted, numbered from 1 up to the highest number posted
/// (a number missing in between reads as a blank block).
pub fn posted_risks(pairs: &[(String, String)]) -> Vec<RiskRow> {
    let mut rows: Vec<RiskRow> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (name, value) in pairs {
        let Some((n, part)) = risk_field(name) else {
            continue;
        };
        if !seen.insert((n, part.to_owned())) {
            continue;
        }
        if rows.len() < n {
            rows.resize(n, RiskRow::default());
        }
        let row = &mut rows[n - 1];
        match part {
            "description" => row.description = value.clone(),
            "rating" => row.rating = value.clone(),
            _ => row.mitigation = value.clone(),
        }
    }
    rows
}

/// The posted pairs with their risk blocks replaced by `rows`, numbered from 1.
fn with_risks(pairs: &[(String, String)], rows: &[RiskRow]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .filter(|(name, _)| !name.starts_with("risk_"))
        .cloned()
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        out.push((format!("risk_{n}_description"), row.description.clone()));
        out.push((format!("risk_{n}_rating"), row.rating.clone()));
        out.push((format!("risk_{n}_mitigation"), row.mitigation.clone()));
    }
    out
}

/// A change to the risk blocks shown, asked for with the form's `action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskEdit {
    /// `add_risk`: one more empty block (up to [`MAX_RISKS`]).
    Add,
    /// `remove_risk_{n}`: block `n` goes and those after it move up.
    Remove(usize),
}

impl RiskEdit {
    pub fn parse(action: &str) -> Option<RiskEdit> {
        if action == "add_risk" {
            return Some(RiskEdit::Add);
        }
        let n: usize = action.strip_prefix("remove_risk_")?.parse().ok()?;
        (1..=MAX_RISKS).contains(&n).then_some(RiskEdit::Remove(n))
    }

    /// The form's fields as they should be shown again: nothing is saved.
    pub fn apply(self, pairs: &[(String, String)]) -> Vec<(String, String)> {
        let mut rows = posted_risks(pairs);
        match self {
            RiskEdit::Add => {
                if rows.len() < MAX_RISKS {
                    rows.push(RiskRow::default());
                }
            }
            RiskEdit::Remove(n) => {
                if n <= rows.len() {
                    rows.remove(n - 1);
                }
            }
        }
        if rows.is_empty() {
            rows.push(RiskRow::default());
        }
        with_risks(pairs, &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_the_blocks_posted() {
        let rows = posted_risks(&pairs(&[
            ("narrative", "x"),
            ("risk_2_description", "Second"),
            ("risk_1_description", "First"),
            ("risk_1_rating", "red"),
            ("risk_1_rating", "ignored"),
            ("risk_99_description", "too many"),
            ("risk_3_colour", "unknown part"),
        ]));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].description, "First");
        assert_eq!(rows[0].rating, "red");
        assert_eq!(rows[1].description, "Second");
        assert!(posted_risks(&[]).is_empty());
    }

    #[test]
    fn add_and_remove_keep_what_was_typed() {
        let form = pairs(&[
            ("version", "3"),
            ("risk_1_description", "First"),
            ("risk_1_rating", "amber"),
            ("risk_2_description", "Second"),
            ("risk_2_mitigation", "Plan"),
        ]);
        let added = RiskEdit::parse("add_risk").unwrap().apply(&form);
        let rows = posted_risks(&added);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].mitigation, "Plan");
        assert!(rows[2].is_blank());
        assert!(added.contains(&("version".into(), "3".into())));

        let removed = RiskEdit::parse("remove_risk_1").unwrap().apply(&added);
        let rows = posted_risks(&removed);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].description, "Second");
        assert_eq!(rows[0].mitigation, "Plan");

        let only = RiskEdit::Remove(1).apply(&pairs(&[("risk_1_description", "x")]));
        assert_eq!(posted_risks(&only), vec![RiskRow::default()]);
        assert_eq!(RiskEdit::parse("remove_risk_0"), None);
        assert_eq!(RiskEdit::parse("remove_risk_x"), None);
        assert_eq!(RiskEdit::parse("save"), None);
    }

    #[test]
    fn never_more_than_the_maximum() {
        let mut form = Vec::new();
        for _ in 0..MAX_RISKS + 3 {
            form = RiskEdit::Add.apply(&form);
        }
        assert_eq!(posted_risks(&form).len(), MAX_RISKS);
    }
}
