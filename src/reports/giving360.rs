//! The programme's awards as 360Giving open data (standard 1.4.3): one grant
//! per allocation, a disbursement per released tranche, planned dates from the
//! financial-year profile. Pure: read models in, a JSON package out.
use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::domain::financial_year::FinancialYear;
pub use crate::domain::grants::{Disbursement, GrantRecord};
use crate::domain::money::Pence;
use crate::domain::participant::Role;

/// What to do with records the seed marks as invented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IllustrativePolicy {
    /// Leave them out: only real awards are published.
    Exclude,
    /// Publish them, each titled and classified as illustrative.
    Flag,
}

impl IllustrativePolicy {
    pub fn parse(text: &str) -> Result<IllustrativePolicy, String> {
        match text.trim() {
            "exclude" => Ok(IllustrativePolicy::Exclude),
            "flag" => Ok(IllustrativePolicy::Flag),
            other => Err(format!(
                "{other:?} is not a choice: use `exclude` (leave invented figures out) or `flag` (publish them marked as illustrative)"
            )),
        }
    }
}

/// Who publishes, and under which identifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publisher {
    /// The publisher's 360Giving prefix, without `360G-` (e.g. `nhsengland`).
    pub prefix: String,
    /// The funder's org-id (org-id.guide), e.g. `GB-GOR-…`.
    pub funder_id: String,
    pub funder_name: String,
    pub illustrative: IllustrativePolicy,
}

/// Problems with the publisher settings, each naming its setting.
pub fn check_publisher(publisher: &Publisher) -> Vec<String> {
    let mut problems = Vec::new();
    let prefix = publisher.prefix.trim();
    if prefix.is_empty() {
        problems.push(
            "GDE_360G_PREFIX (or --prefix) is not set: give the prefix 360Giving registered for \
             your organisation, without `360G-`"
                .to_owned(),
        );
    } else if prefix.starts_with("360G-") {
        problems.push(format!(
            "GDE_360G_PREFIX is {prefix:?}: leave out the leading `360G-`, it is added to every identifier"
        ));
    } else if !prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        problems.push(format!(
            "GDE_360G_PREFIX is {prefix:?}: use letters, digits, `-` and `_` only"
        ));
    }
    let funder = publisher.funder_id.trim();
    if funder.is_empty() {
        problems.push(
            "GDE_360G_FUNDER_ID (or --funder-id) is not set: give the funder's org-id from \
             org-id.guide, e.g. GB-GOR-… or GB-COH-…"
                .to_owned(),
        );
    } else if funder.split('-').filter(|p| !p.is_empty()).count() < 3 {
        problems.push(format!(
            "GDE_360G_FUNDER_ID is {funder:?}: an org-id has the form COUNTRY-REGISTER-IDENTIFIER, e.g. GB-GOR-PB123"
        ));
    }
    if publisher.funder_name.trim().is_empty() {
        problems.push("GDE_360G_FUNDER_NAME (or --funder-name) is empty".to_owned());
    }
    problems
}

/// The grant identifier: allocation references are unique only within a
/// participant, so the ODS code is part of it.
pub fn grant_id(prefix: &str, record: &GrantRecord) -> String {
    format!(
        "360G-{}-{}-{}",
        prefix.trim(),
        record.ods_code,
        record.reference
    )
}

/// Pounds as a JSON number (two decimals at most; exact for every penny amount
/// the programme can hold).
fn pounds(amount: Pence) -> Value {
    let pence = amount.value();
    if pence % 100 == 0 {
        json!(pence / 100)
    } else {
        serde_json::Number::from_f64(pence as f64 / 100.0)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

fn role_phrase(role: Role) -> &'static str {
    match role {
        Role::GlobalDigitalExemplar => "global digital exemplar",
        Role::FastFollower => "fast follower",
    }
}

fn programme_code(role: Role) -> &'static str {
    match role {
        Role::GlobalDigitalExemplar => "GDE-EXEMPLAR",
        Role::FastFollower => "GDE-FAST-FOLLOWER",
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

fn grant(publisher: &Publisher, record: &GrantRecord) -> Value {
    let id = grant_id(&publisher.prefix, record);
    let flagged = record.illustrative;
    let mut title = format!(
        "Global Digital Exemplar funding for {}",
        record.recipient_name
    );
    if flagged {
        title = format!("Illustrative: {title}");
    }
    let mut description = format!(
        "Central funding to {} as a {} ({}) in the Global Digital Exemplar programme, \
         to be matched by {} of local funding.",
        record.recipient_name,
        role_phrase(record.role),
        record.sector.label().to_lowercase(),
        record.local_match,
    );
    if flagged {
        description.push_str(
            " These figures are illustrative: invented for demonstration, not a real award.",
        );
    }
    let mut grant = Map::new();
    grant.insert("id".into(), json!(id));
    grant.insert("title".into(), json!(title));
    grant.insert("description".into(), json!(description));
    grant.insert("currency".into(), json!("GBP"));
    grant.insert("amountAwarded".into(), pounds(record.central));
    grant.insert("awardDate".into(), json!(record.awarded_on.to_string()));
    let years: Vec<FinancialYear> = record.profile.iter().map(|(fy, _)| *fy).collect();
    if let (Some(first), Some(last)) = (years.iter().min(), years.iter().max()) {
        let months = (last.start_year() - first.start_year() + 1) * 12;
        grant.insert(
            "plannedDates".into(),
            json!([{
                "startDate": first.first_day().to_string(),
                "endDate": last.last_day().to_string(),
                "duration": months,
            }]),
        );
    }
    grant.insert(
        "recipientOrganization".into(),
        json!([{ "id": format!("GB-NHS-{}", record.ods_code), "name": record.recipient_name }]),
    );
    grant.insert(
        "fundingOrganization".into(),
        json!([{ "id": publisher.funder_id.trim(), "name": publisher.funder_name.trim() }]),
    );
    grant.insert(
        "grantProgramme".into(),
        json!([{
            "code": programme_code(record.role),
            "title": format!("Global Digital Exemplar programme: {}s", role_phrase(record.role)),
        }]),
    );
    if !record.released.is_empty() {
        let disbursements: Vec<Value> = record
            .released
            .iter()
            .map(|d| {
                json!({
                    "id": format!("{id}-T{}", d.tranche_id),
                    "transactionDate": d.released_on.to_string(),
                    "value": pounds(d.amount),
                    "currency": "GBP",
                    "description": d.name,
                })
            })
            .collect();
        grant.insert(
            "disbursementTransaction".into(),
            Value::Array(disbursements),
        );
        let disbursed: Pence = record.released.iter().map(|d| d.amount).sum();
        grant.insert("amountDisbursed".into(), pounds(disbursed));
    }
    if flagged {
        grant.insert(
            "classifications".into(),
            json!([{
                "vocabulary": "GDE Tracker record status",
                "code": "illustrative",
                "title": "Illustrative: invented for demonstration, not a real award",
            }]),
        );
    }
    grant.insert("dateModified".into(), json!(rfc3339(record.modified_at)));
    Value::Object(grant)
}

/// The result of building the package: the JSON, or why there is nothing to
/// publish.
#[derive(Debug, PartialEq)]
pub enum Package {
    Ready {
        json: Value,
        grants: usize,
        left_out: usize,
    },
    /// The 360Giving package needs at least one grant.
    Empty { left_out: usize },
}

/// The 360Giving data package for `records`, as at `issued`.
pub fn package(publisher: &Publisher, records: &[GrantRecord], issued: Date) -> Package {
    let included: Vec<&GrantRecord> = records
        .iter()
        .filter(|r| !r.illustrative || publisher.illustrative == IllustrativePolicy::Flag)
        .collect();
    let left_out = records.len() - included.len();
    if included.is_empty() {
        return Package::Empty { left_out };
    }
    let grants: Vec<Value> = included.iter().map(|r| grant(publisher, r)).collect();
    let count = grants.len();
    let json = json!({
        "version": "1.4",
        "title": "Global Digital Exemplar programme: central funding awards",
        "description": "Central funding awarded to NHS trusts in the Global Digital Exemplar \
                        programme: one grant per allocation, with a disbursement for each \
                        released tranche. Produced by GDE Tracker.",
        "issued": issued.to_string(),
        "publisher": { "identifier": publisher.funder_id.trim(), "name": publisher.funder_name.trim() },
        "grants": grants,
    });
    Package::Ready {
        json,
        grants: count,
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::participant::Sector;
    use time::macros::{date, datetime};

    fn publisher(policy: IllustrativePolicy) -> Publisher {
        Publisher {
            prefix: "example".into(),
            funder_id: "GB-GOR-EXAMPLE".into(),
            funder_name: "NHS England".into(),
            illustrative: policy,
        }
    }

    fn record(illustrative: bool) -> GrantRecord {
        GrantRecord {
            ods_code: "RAL".into(),
            recipient_name: "Royal Free London NHS Foundation Trust".into(),
            role: Role::GlobalDigitalExemplar,
            sector: Sector::Acute,
            reference: "ALLOC-1".into(),
            central: Pence::new(1_000_000_050).unwrap(),
            local_match: Pence::new(500_000_000).unwrap(),
            awarded_on: date!(2017 - 07 - 01),
            profile: vec![
                (
                    FinancialYear::new(2017).unwrap(),
                    Pence::new(500_000_025).unwrap(),
                ),
                (
                    FinancialYear::new(2019).unwrap(),
                    Pence::new(500_000_025).unwrap(),
                ),
            ],
            released: vec![Disbursement {
                tranche_id: 7,
                name: "Upfront instalment".into(),
                amount: Pence::new(300_000_000).unwrap(),
                released_on: date!(2017 - 07 - 01),
            }],
            illustrative,
            modified_at: datetime!(2020-01-02 03:04:05 UTC),
        }
    }

    #[test]
    fn a_grant_carries_its_identifiers_amounts_and_dates() {
        let Package::Ready { json, grants, .. } = package(
            &publisher(IllustrativePolicy::Exclude),
            &[record(false)],
            date!(2026 - 11 - 30),
        ) else {
            panic!("expected a package");
        };
        assert_eq!(grants, 1);
        let g = &json["grants"][0];
        assert_eq!(g["id"], "360G-example-RAL-ALLOC-1");
        assert_eq!(g["recipientOrganization"][0]["id"], "GB-NHS-RAL");
        assert_eq!(g["amountAwarded"].to_string(), "10000000.5");
        assert_eq!(g["awardDate"], "2017-07-01");
        assert_eq!(g["plannedDates"][0]["startDate"], "2017-04-01");
        assert_eq!(g["plannedDates"][0]["endDate"], "2020-03-31");
        assert_eq!(g["plannedDates"][0]["duration"], 36);
        assert_eq!(g["disbursementTransaction"][0]["value"], 3_000_000);
        assert_eq!(
            g["disbursementTransaction"][0]["id"],
            "360G-example-RAL-ALLOC-1-T7"
        );
        assert_eq!(g["dateModified"], "2020-01-02T03:04:05Z");
        assert!(g.get("classifications").is_none());
    }

    #[test]
    fn illustrative_records_are_left_out_or_flagged_as_the_office_chooses() {
        let records = [record(true)];
        assert_eq!(
            package(
                &publisher(IllustrativePolicy::Exclude),
                &records,
                date!(2026 - 11 - 30)
            ),
            Package::Empty { left_out: 1 }
        );
        let Package::Ready { json, .. } = package(
            &publisher(IllustrativePolicy::Flag),
            &records,
            date!(2026 - 11 - 30),
        ) else {
            panic!("expected a package");
        };
        let g = &json["grants"][0];
        assert!(g["title"].as_str().unwrap().starts_with("Illustrative: "));
        assert_eq!(g["classifications"][0]["code"], "illustrative");
    }

    #[test]
    fn settings_problems_name_the_setting() {
        let mut p = publisher(IllustrativePolicy::Exclude);
        assert!(check_publisher(&p).is_empty());
        p.prefix = "360G-example".into();
        p.funder_id = "GB".into();
        let problems = check_publisher(&p);
        assert_eq!(problems.len(), 2);
        assert!(problems[0].starts_with("GDE_360G_PREFIX"));
        assert!(problems[1].starts_with("GDE_360G_FUNDER_ID"));
        assert!(IllustrativePolicy::parse("maybe").is_err());
    }
}
