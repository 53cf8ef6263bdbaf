//! Typed seed records: each CSV row converted through the same domain
//! constructors as user input.
use time::Date;

use super::SeedError;
use super::csv_table::CsvTable;
use crate::domain::dates::{ApproxDate, parse_date};
use crate::domain::financial_year::FinancialYear;
use crate::domain::maturity::{MaturityScale, MaturityScore};
use crate::domain::milestone::{MilestoneCategory, MilestoneReference, MilestoneStatus};
use crate::domain::money::Pence;
use crate::domain::ods::OdsCode;
use crate::domain::participant::{
    Confidence, OrganisationKind, ParticipantStatus, PartnershipRole, Role, Sector,
};
use crate::domain::region::RegionCode;
use crate::domain::text::{CountryCode, ShortText};
use crate::domain::tranche::TrancheKind;

/// Where a record came from, for cross-row errors.
#[derive(Clone, Debug)]
pub struct Origin {
    pub file: std::sync::Arc<str>,
    pub line: u64,
}

impl Origin {
    pub fn error(&self, column: Option<&str>, message: impl Into<String>) -> SeedError {
        SeedError::at(&self.file, self.line, column, message.into())
    }
}

fn origin(row: &super::csv_table::Row) -> Origin {
    Origin {
        file: row.file().clone(),
        line: row.line(),
    }
}

fn text(max: usize) -> impl Fn(&str) -> Result<String, String> {
    move |s| ShortText::parse(s, max).map(|t| t.into_inner())
}

#[derive(Clone, Debug)]
pub struct TrustRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub name: String,
    pub name_at_designation: Option<String>,
    pub sector: Sector,
    pub region_code: Option<RegionCode>,
    pub region_code_2017: Option<RegionCode>,
    pub opened_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub successor: Option<OdsCode>,
    pub source: Option<String>,
}

pub const TRUST_COLUMNS: &[&str] = &[
    "ods_code",
    "name",
    "name_at_designation",
    "sector",
    "region_code",
    "region_code_2017",
    "opened_on",
    "closed_on",
    "successor_ods_code",
    "source",
];

pub fn trusts(table: CsvTable) -> Result<Vec<TrustRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            let opened_on = row.parse_optional("opened_on", parse_date)?;
            let closed_on = row.parse_optional("closed_on", parse_date)?;
            if let (Some(opened), Some(closed)) = (opened_on, closed_on)
                && closed < opened
            {
                return Err(row.error(Some("closed_on"), "is before opened_on"));
            }
            Ok(TrustRecord {
                origin: origin(&row),
                ods_code: row.parse("ods_code", OdsCode::parse)?,
                name: row.parse("name", text(200))?,
                name_at_designation: row.parse_optional("name_at_designation", text(200))?,
                sector: row.parse("sector", Sector::from_code)?,
                region_code: row.parse_optional("region_code", RegionCode::parse)?,
                region_code_2017: row.parse_optional("region_code_2017", RegionCode::parse)?,
                opened_on,
                closed_on,
                successor: row.parse_optional("successor_ods_code", OdsCode::parse)?,
                source: row.parse_optional("source", text(200))?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct ParticipantRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub role: Role,
    pub sector: Sector,
    pub wave: String,
    pub designated: ApproxDate,
    pub accredited: Option<ApproxDate>,
    pub status: ParticipantStatus,
    pub confidence: Confidence,
    pub source: Option<String>,
}

pub const PARTICIPANT_COLUMNS: &[&str] = &[
    "ods_code",
    "role",
    "sector",
    "wave",
    "designated_on",
    "accredited_on",
    "status",
    "confidence",
    "source",
];

pub fn participants(table: CsvTable) -> Result<Vec<ParticipantRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            Ok(ParticipantRecord {
                origin: origin(&row),
                ods_code: row.parse("ods_code", OdsCode::parse)?,
                role: row.parse("role", Role::from_code)?,
                sector: row.parse("sector", Sector::from_code)?,
                wave: row.parse("wave", text(40))?,
                designated: row.parse("designated_on", ApproxDate::parse)?,
                accredited: row.parse_optional("accredited_on", ApproxDate::parse)?,
                status: row.parse("status", ParticipantStatus::from_code)?,
                confidence: row.parse("confidence", Confidence::from_code)?,
                source: row.parse_optional("source", text(200))?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct PairingRecord {
    pub origin: Origin,
    pub fast_follower: OdsCode,
    pub exemplar: OdsCode,
    pub confidence: Confidence,
    pub source: Option<String>,
}

pub const PAIRING_COLUMNS: &[&str] = &[
    "fast_follower_ods_code",
    "exemplar_ods_code",
    "confidence",
    "source",
];

pub fn pairings(table: CsvTable) -> Result<Vec<PairingRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            Ok(PairingRecord {
                origin: origin(&row),
                fast_follower: row.parse("fast_follower_ods_code", OdsCode::parse)?,
                exemplar: row.parse("exemplar_ods_code", OdsCode::parse)?,
                confidence: row.parse("confidence", Confidence::from_code)?,
                source: row.parse_optional("source", text(200))?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct PartnerRecord {
    pub origin: Origin,
    pub name: String,
    pub kind: OrganisationKind,
    pub country_code: CountryCode,
    pub source: Option<String>,
}

pub const PARTNER_COLUMNS: &[&str] = &["name", "kind", "country_code", "source"];

pub fn partners(table: CsvTable) -> Result<Vec<PartnerRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            let kind = row.parse("kind", OrganisationKind::from_code)?;
            if kind == OrganisationKind::NhsTrust {
                return Err(row.error(
                    Some("kind"),
                    "NHS trusts belong in organisations.csv, identified by ODS code",
                ));
            }
            Ok(PartnerRecord {
                origin: origin(&row),
                name: row.parse("name", text(200))?,
                kind,
                country_code: row.parse("country_code", CountryCode::parse)?,
                source: row.parse_optional("source", text(200))?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct PartnershipRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub partner_name: String,
    pub role: PartnershipRole,
    pub started: Option<ApproxDate>,
    pub ended: Option<ApproxDate>,
    pub confidence: Confidence,
    pub source: Option<String>,
    pub note: Option<String>,
}

pub const PARTNERSHIP_COLUMNS: &[&str] = &[
    "ods_code",
    "partner_name",
    "role",
    "started_on",
    "ended_on",
    "confidence",
    "source",
    "note",
];

pub fn partnerships(table: CsvTable) -> Result<Vec<PartnershipRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            let started = row.parse_optional("started_on", ApproxDate::parse)?;
            let ended = row.parse_optional("ended_on", ApproxDate::parse)?;
            if let (Some(s), Some(e)) = (started, ended)
                && e.date < s.date
            {
                return Err(row.error(Some("ended_on"), "is before started_on"));
            }
            Ok(PartnershipRecord {
                origin: origin(&row),
                ods_code: row.parse("ods_code", OdsCode::parse)?,
                partner_name: row.parse("partner_name", text(200))?,
                role: row.parse("role", PartnershipRole::from_code)?,
                started,
                ended,
                confidence: row.parse("confidence", Confidence::from_code)?,
                source: row.parse_optional("source", text(200))?,
                note: row.parse_optional("note", text(500))?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct CapRecord {
    pub origin: Origin,
    pub role: Role,
    pub sector: Sector,
    pub cap: Pence,
    pub source: Option<String>,
}

pub const CAP_COLUMNS: &[&str] = &["role", "sector", "cap", "source"];

pub fn caps(table: CsvTable) -> Result<Vec<CapRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            Ok(CapRecord {
                origin: origin(&row),
                role: row.parse("role", Role::from_code)?,
                sector: row.parse("sector", Sector::from_code)?,
                cap: row.parse("cap", Pence::parse)?,
                source: row.parse_optional("source", text(200))?,
            })
        })
        .collect()
}

/// A cap shared by a group of participants (`cap_groups.csv`).
#[derive(Clone, Debug)]
pub struct CapGroupRecord {
    pub origin: Origin,
    pub name: String,
    pub cap: Pence,
    pub source: Option<String>,
}

pub const CAP_GROUP_COLUMNS: &[&str] = &["name", "cap", "source"];

pub fn cap_groups(table: CsvTable) -> Result<Vec<CapGroupRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            Ok(CapGroupRecord {
                origin: origin(&row),
                name: row.parse("name", text(80))?,
                cap: row.parse("cap", Pence::parse)?,
                source: row.parse_optional("source", text(200))?,
            })
        })
        .collect()
}

/// A participant in a cap group (`cap_group_members.csv`).
#[derive(Clone, Debug)]
pub struct CapGroupMemberRecord {
    pub origin: Origin,
    pub group: String,
    pub ods_code: OdsCode,
    pub source: Option<String>,
}

pub const CAP_GROUP_MEMBER_COLUMNS: &[&str] = &["group", "ods_code", "source"];

pub fn cap_group_members(table: CsvTable) -> Result<Vec<CapGroupMemberRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            Ok(CapGroupMemberRecord {
                origin: origin(&row),
                group: row.parse("group", text(80))?,
                ods_code: row.parse("ods_code", OdsCode::parse)?,
                source: row.parse_optional("source", text(200))?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct MaturityRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub scale: MaturityScale,
    pub score: MaturityScore,
    pub assessed: ApproxDate,
    pub source: Option<String>,
}

pub const MATURITY_COLUMNS: &[&str] = &["ods_code", "scale", "score", "assessed_on", "source"];

pub fn maturity(table: CsvTable) -> Result<Vec<MaturityRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            let scale = row.parse("scale", MaturityScale::from_code)?;
            Ok(MaturityRecord {
                origin: origin(&row),
                ods_code: row.parse("ods_code", OdsCode::parse)?,
                scale,
                score: row.parse("score", |s| MaturityScore::parse(scale, s))?,
                assessed: row.parse("assessed_on", ApproxDate::parse)?,
                source: row.parse_optional("source", text(200))?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct AllocationRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub reference: String,
    pub central: Pence,
    pub local_match: Pence,
    pub awarded_on: Date,
}

pub const ALLOCATION_COLUMNS: &[&str] = &[
    "ods_code",
    "reference",
    "central",
    "local_match",
    "awarded_on",
];

pub fn allocations(table: CsvTable) -> Result<Vec<AllocationRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            Ok(AllocationRecord {
                origin: origin(&row),
                ods_code: row.parse("ods_code", OdsCode::parse)?,
                reference: row.parse("reference", text(20))?,
                central: row.parse("central", Pence::parse)?,
                local_match: row.parse("local_match", Pence::parse)?,
                awarded_on: row.parse("awarded_on", parse_date)?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct ProfileRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub allocation_reference: String,
    pub financial_year: FinancialYear,
    pub amount: Pence,
}

pub const PROFILE_COLUMNS: &[&str] = &[
    "ods_code",
    "allocation_reference",
    "financial_year",
    "amount",
];

pub fn profiles(table: CsvTable) -> Result<Vec<ProfileRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            Ok(ProfileRecord {
                origin: origin(&row),
                ods_code: row.parse("ods_code", OdsCode::parse)?,
                allocation_reference: row.parse("allocation_reference", text(20))?,
                financial_year: row.parse("financial_year", FinancialYear::parse)?,
                amount: row.parse("amount", Pence::parse)?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct MilestoneRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub reference: MilestoneReference,
    pub title: String,
    pub category: MilestoneCategory,
    pub baseline_on: Date,
    pub forecast_on: Option<Date>,
    pub actual_on: Option<Date>,
    pub status: MilestoneStatus,
    pub signed_off_on: Option<Date>,
}

pub const MILESTONE_COLUMNS: &[&str] = &[
    "ods_code",
    "reference",
    "title",
    "category",
    "baseline_on",
    "forecast_on",
    "actual_on",
    "status",
    "signed_off_on",
];

pub fn milestones(table: CsvTable) -> Result<Vec<MilestoneRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            let status = row.parse("status", MilestoneStatus::from_code)?;
            let actual_on = row.parse_optional("actual_on", parse_date)?;
            let signed_off_on = row.parse_optional("signed_off_on", parse_date)?;
            crate::domain::milestone::check_dates(status, actual_on, signed_off_on)
                .map_err(|e| row.error(Some("status"), e.to_string()))?;
            Ok(MilestoneRecord {
                origin: origin(&row),
                ods_code: row.parse("ods_code", OdsCode::parse)?,
                reference: row.parse("reference", MilestoneReference::parse)?,
                title: row.parse("title", text(200))?,
                category: row.parse("category", MilestoneCategory::from_code)?,
                baseline_on: row.parse("baseline_on", parse_date)?,
                forecast_on: row.parse_optional("forecast_on", parse_date)?,
                actual_on,
                status,
                signed_off_on,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct TrancheRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub allocation_reference: String,
    pub name: String,
    pub kind: TrancheKind,
    pub milestone_reference: Option<MilestoneReference>,
    pub amount: Pence,
    pub released_on: Option<Date>,
}

pub const TRANCHE_COLUMNS: &[&str] = &[
    "ods_code",
    "allocation_reference",
    "name",
    "kind",
    "milestone_reference",
    "amount",
    "released_on",
];

pub fn tranches(table: CsvTable) -> Result<Vec<TrancheRecord>, SeedError> {
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            let kind = row.parse("kind", TrancheKind::from_code)?;
            let milestone_reference =
                row.parse_optional("milestone_reference", MilestoneReference::parse)?;
            match (kind, &milestone_reference) {
                (TrancheKind::Milestone, None) => {
                    return Err(row.error(
                        Some("milestone_reference"),
                        "is empty, but a milestone tranche must name the milestone that releases it",
                    ));
                }
                (TrancheKind::Upfront, Some(_)) => {
                    return Err(row.error(
                        Some("milestone_reference"),
                        "must be empty for an upfront tranche",
                    ));
                }
                _ => {}
            }
            let amount = row.parse("amount", Pence::parse)?;
            if amount.is_zero() {
                return Err(row.error(Some("amount"), "must be more than £0"));
            }
            Ok(TrancheRecord {
                origin: origin(&row),
                ods_code: row.parse("ods_code", OdsCode::parse)?,
                allocation_reference: row.parse("allocation_reference", text(20))?,
                name: row.parse("name", text(120))?,
                kind,
                milestone_reference,
                amount,
                released_on: row.parse_optional("released_on", parse_date)?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct PeriodRecord {
    pub origin: Origin,
    pub label: String,
    pub frequency: crate::domain::reporting::Frequency,
    pub starts_on: Date,
    pub ends_on: Date,
    pub due_on: Date,
    pub status: crate::domain::reporting::PeriodStatus,
}

pub const PERIOD_COLUMNS: &[&str] = &[
    "label",
    "frequency",
    "starts_on",
    "ends_on",
    "due_on",
    "status",
];

pub fn periods(table: CsvTable) -> Result<Vec<PeriodRecord>, SeedError> {
    use crate::domain::reporting::{Frequency, PeriodStatus};
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            let starts_on = row.parse("starts_on", parse_date)?;
            let ends_on = row.parse("ends_on", parse_date)?;
            let due_on = row.parse("due_on", parse_date)?;
            if ends_on < starts_on {
                return Err(row.error(Some("ends_on"), "is before starts_on"));
            }
            if due_on < ends_on {
                return Err(row.error(Some("due_on"), "is before the period ends"));
            }
            Ok(PeriodRecord {
                origin: origin(&row),
                label: row.parse("label", text(40))?,
                frequency: row.parse("frequency", Frequency::from_code)?,
                starts_on,
                ends_on,
                due_on,
                status: row.parse("status", PeriodStatus::from_code)?,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct ReturnRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub period: String,
    pub status: crate::domain::reporting::ReturnStatus,
    pub spend_to_date: Option<Pence>,
    pub self_rating: Option<crate::domain::rating::Rating>,
    pub rating_justification: Option<String>,
    pub narrative: Option<String>,
    pub office_rating: Option<crate::domain::rating::Rating>,
    pub office_comment: Option<String>,
    pub submitted_on: Option<Date>,
    pub approved_on: Option<Date>,
}

pub const RETURN_COLUMNS: &[&str] = &[
    "ods_code",
    "period",
    "status",
    "spend_to_date",
    "self_rating",
    "rating_justification",
    "narrative",
    "office_rating",
    "office_comment",
    "submitted_on",
    "approved_on",
];

pub fn returns(table: CsvTable) -> Result<Vec<ReturnRecord>, SeedError> {
    use crate::domain::rating::{Rating, RatingScale};
    use crate::domain::reporting::ReturnStatus;
    table
        .into_rows()
        .map(|row| {
            let row = row?;
            let status = row.parse("status", ReturnStatus::from_code)?;
            let submitted_on = row.parse_optional("submitted_on", parse_date)?;
            let approved_on = row.parse_optional("approved_on", parse_date)?;
            let office_rating =
                row.parse_optional("office_rating", |t| Rating::parse(RatingScale::Rag, t))?;
            match status {
                ReturnStatus::Draft if submitted_on.is_some() => {
                    return Err(row.error(Some("submitted_on"), "a draft has not been submitted"));
                }
                ReturnStatus::Submitted | ReturnStatus::Returned | ReturnStatus::Approved
                    if submitted_on.is_none() =>
                {
                    return Err(row.error(Some("submitted_on"), "is needed for a submitted return"));
                }
                ReturnStatus::Approved if approved_on.is_none() || office_rating.is_none() => {
                    return Err(row.error(
                        Some("approved_on"),
                        "an approved return needs its approval date and the office's rating",
                    ));
                }
                _ => {}
            }
            if let (Some(s), Some(a)) = (submitted_on, approved_on)
                && a < s
            {
                return Err(row.error(Some("approved_on"), "is before submitted_on"));
            }
            Ok(ReturnRecord {
                origin: origin(&row),
                ods_code: row.parse("ods_code", OdsCode::parse)?,
                period: row.parse("period", text(40))?,
                status,
                spend_to_date: row.parse_optional("spend_to_date", Pence::parse)?,
                self_rating: row
                    .parse_optional("self_rating", |t| Rating::parse(RatingScale::Rag, t))?,
                rating_justification: row.parse_optional("rating_justification", text(2000))?,
                narrative: row.parse_optional("narrative", text(5000))?,
                office_rating,
                office_comment: row.parse_optional("office_comment", text(2000))?,
                submitted_on,
                approved_on,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct UpdateRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub period: String,
    pub milestone_reference: MilestoneReference,
    pub forecast_on: Option<Date>,
    pub status: MilestoneStatus,
    pub comment: Option<String>,
}

pub const UPDATE_COLUMNS: &[&str] = &[
    "ods_code",
    "period",
    "milestone_reference",
    "forecast_on",
    "status",
    "comment",
];

/// The lines as the file is read (the biggest file: never held whole).
pub fn updates<'a>(
    table: CsvTable<'a>,
) -> impl Iterator<Item = Result<UpdateRecord, SeedError>> + Send + 'a {
    table.into_rows().map(|row| {
        let row = row?;
        Ok(UpdateRecord {
            origin: origin(&row),
            ods_code: row.parse("ods_code", OdsCode::parse)?,
            period: row.parse("period", text(40))?,
            milestone_reference: row.parse("milestone_reference", MilestoneReference::parse)?,
            forecast_on: row.parse_optional("forecast_on", parse_date)?,
            status: row.parse("status", MilestoneStatus::from_code)?,
            comment: row.parse_optional("comment", text(1000))?,
        })
    })
}

#[derive(Clone, Debug)]
pub struct RiskRecord {
    pub origin: Origin,
    pub ods_code: OdsCode,
    pub period: String,
    pub position: i32,
    pub description: String,
    pub rating: crate::domain::rating::Rating,
    pub mitigation: Option<String>,
}

pub const RISK_COLUMNS: &[&str] = &[
    "ods_code",
    "period",
    "position",
    "description",
    "rating",
    "mitigation",
];

/// The risks as the file is read.
pub fn risks<'a>(
    table: CsvTable<'a>,
) -> impl Iterator<Item = Result<RiskRecord, SeedError>> + Send + 'a {
    use crate::domain::rating::{Rating, RatingScale};
    table.into_rows().map(|row| {
        let row = row?;
        Ok(RiskRecord {
            origin: origin(&row),
            ods_code: row.parse("ods_code", OdsCode::parse)?,
            period: row.parse("period", text(40))?,
            position: row.parse("position", |t| {
                t.parse::<i32>()
                    .ok()
                    .filter(|n| (1..=20).contains(n))
                    .ok_or("is not a position from 1 to 20")
            })?,
            description: row.parse("description", text(1000))?,
            rating: row.parse("rating", |t| Rating::parse(RatingScale::Rag, t))?,
            mitigation: row.parse_optional("mitigation", text(1000))?,
        })
    })
}
