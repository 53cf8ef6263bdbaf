//! Trust progress returns: periods opened by the programme office; a trust
//! drafts and submits its own return; the office approves (applying the
//! reported forecasts to the live milestones and freezing the return) or
//! returns it with comments.
//!
//! One use case a file: `periods` (open and list), `read` (one return as a
//! page shows it), `draft` (save and submit), `review` (approve or return),
//! `standings` (the queue and a trust's history). Every call takes the acting
//! user and checks scope before it loads anything, so a refusal reads the same
//! for a real and a made-up period or ODS code. Every write names the version
//! its form was built from and claims the return row first, in one
//! transaction: a stale form is a conflict, never a lost update.
mod as_at;
mod draft;
mod periods;
mod read;
mod review;
mod risks;
mod standings;

use time::{Date, OffsetDateTime};

pub use as_at::load_as_at;
pub use draft::save;
pub use periods::{PeriodForm, list_periods, list_periods_as_at, open_period};
pub use read::{Queue, QueueRequest, load, queue, return_path};
pub use review::{ApprovalPreview, MilestoneChange, ReviewForm, preview_approval, review};
pub use risks::{MAX_RISKS, RiskEdit, RiskRow, posted_risks};
pub use standings::{history, history_as_at, standings};

use super::{By, FieldError, ServiceError};
use crate::domain::access::{AccessError, UserRole};
use crate::domain::milestone::MilestoneStatus;
use crate::domain::money::Pence;
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::{
    Frequency, PeriodStatus, ReportState, ReturnStatus, label_of_slug, period_slug,
};
use crate::domain::suggested_rating::Suggestion;
use crate::entities::{organisation, participant, reporting_period};
use crate::store::decode;
use crate::store::returns as store;

/// How a URL names a period: by its slug (`2020-21-q3`), or by the numeric
/// id of older links, which pages answer with a permanent redirect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeriodRef {
    Id(i32),
    Slug(String),
}

impl PeriodRef {
    /// Digits are an id; anything else a slug (one that names nothing is not found).
    pub fn parse(text: &str) -> PeriodRef {
        match text.parse::<i32>() {
            Ok(id) if text.bytes().all(|b| b.is_ascii_digit()) => PeriodRef::Id(id),
            _ => PeriodRef::Slug(text.to_ascii_lowercase()),
        }
    }

    /// An old numeric link, to be answered with a redirect to the slug.
    pub fn is_id(&self) -> bool {
        matches!(self, PeriodRef::Id(_))
    }
}

/// The period a URL names: the slug maps to a label (indexed lookup); a
/// label of another shape is found by comparing slugs.
async fn find_period(
    db: &impl sea_orm::ConnectionTrait,
    period: &PeriodRef,
) -> Result<Option<reporting_period::Model>, ServiceError> {
    match period {
        PeriodRef::Id(id) => Ok(store::period(db, *id).await?),
        PeriodRef::Slug(slug) => {
            if let Some(label) = label_of_slug(slug)
                && let Some(found) = store::period_by_label(db, &label).await?
            {
                return Ok(Some(found));
            }
            Ok(store::periods(db)
                .await?
                .into_iter()
                .find(|p| period_slug(&p.label) == *slug))
        }
    }
}

/// A reporting period as pages show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub id: i32,
    pub label: String,
    /// The label as a URL names it: `2020-21-q3`.
    pub slug: String,
    pub frequency: Frequency,
    pub starts_on: Date,
    pub ends_on: Date,
    pub due_on: Date,
    pub status: PeriodStatus,
}

impl Period {
    fn from_row(row: reporting_period::Model) -> Result<Period, ServiceError> {
        Ok(Period {
            frequency: decode("frequency", Frequency::from_code(&row.frequency))?,
            status: decode("period status", PeriodStatus::from_code(&row.status))?,
            id: row.id,
            slug: period_slug(&row.label),
            label: row.label,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            due_on: row.due_on,
        })
    }
}

impl Period {
    /// The page of one trust's return for this period.
    pub fn return_path(&self, ods: &str) -> String {
        format!("/returns/{}/{}", self.slug, ods)
    }
}

/// The trust a return belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trust {
    pub organisation_id: i32,
    pub participant_id: i32,
    pub ods_code: String,
    pub name: String,
}

impl Trust {
    fn from_rows(p: &participant::Model, o: &organisation::Model) -> Trust {
        Trust {
            organisation_id: o.id,
            participant_id: p.id,
            ods_code: o.ods_code.clone().unwrap_or_default(),
            name: o.name.clone(),
        }
    }
}

/// One milestone line of a return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateLine {
    pub milestone_id: i32,
    /// The live milestone's version, which an approval must still find.
    pub milestone_version: i32,
    pub reference: String,
    pub title: String,
    pub baseline_on: Date,
    pub forecast_on: Option<Date>,
    pub status: Option<MilestoneStatus>,
    pub comment: Option<String>,
    /// The live milestone now: what an approval would replace.
    pub live_forecast_on: Option<Date>,
    pub live_status: MilestoneStatus,
    /// Signed off: settled, so an approval leaves it as it is.
    pub signed_off: bool,
    /// For a submitted return: something newer than this line is on record
    /// for the milestone, so an approval leaves it as it is.
    pub newer: Option<crate::domain::approval::Newer>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskLine {
    pub description: String,
    pub rating: Rating,
    pub mitigation: Option<String>,
}

/// A return as pages show it (an existing one, or the blank a trust starts from).
#[derive(Clone, Debug)]
pub struct ReturnData {
    pub period: Period,
    pub trust: Trust,
    /// `None` until the trust starts the return.
    pub status: Option<ReturnStatus>,
    /// The version a form built from this data sends back; 0 before the return exists.
    pub version: i32,
    pub saved_at: Option<OffsetDateTime>,
    pub scale: RatingScale,
    pub spend: Option<Pence>,
    pub self_rating: Option<Rating>,
    pub rating_justification: Option<String>,
    pub narrative: Option<String>,
    pub office_rating: Option<Rating>,
    pub office_comment: Option<String>,
    /// Invented for demonstration (the seed's illustrative returns).
    pub illustrative: bool,
    pub lines: Vec<UpdateLine>,
    pub risks: Vec<RiskLine>,
    pub suggestion: Suggestion,
    pub previous: Option<Box<ReturnData>>,
}

impl ReturnData {
    pub fn started(&self) -> bool {
        self.status.is_some()
    }

    pub fn state(&self) -> ReportState {
        self.status
            .map(ReportState::Is)
            .unwrap_or(ReportState::NotReported)
    }
}

/// One participant's standing in one period, for queues and lists.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub period: Period,
    pub ods_code: String,
    pub name: String,
    pub organisation_id: i32,
    pub state: ReportState,
    pub self_rating: Option<Rating>,
    pub office_rating: Option<Rating>,
    pub suggested: Option<Rating>,
    pub overdue: bool,
}

impl QueueRow {
    /// The suggested rating disagrees with the trust's (or the office's).
    pub fn disagreement(&self) -> bool {
        match (self.suggested, self.office_rating.or(self.self_rating)) {
            (Some(s), Some(r)) => s != r,
            _ => false,
        }
    }
}

fn same_code(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Reading a trust's returns: the office and readers read every trust; a
/// reporter only their own. Decided from who is asking and the code asked
/// for, before anything about that code is loaded, so another trust's code
/// and a made-up one are refused alike (not found).
async fn check_read(
    db: &impl sea_orm::ConnectionTrait,
    by: &By,
    ods: &str,
) -> Result<(), ServiceError> {
    match by {
        By::User(actor) if actor.role == UserRole::TrustReporter => own_code(db, by, ods).await,
        _ => Ok(()),
    }
}

/// Writing a trust's return: only that trust's reporter (or the command line).
async fn check_write(
    db: &impl sea_orm::ConnectionTrait,
    by: &By,
    ods: &str,
) -> Result<(), ServiceError> {
    match by {
        By::Cli => Ok(()),
        By::User(actor) => match actor.role {
            UserRole::TrustReporter => own_code(db, by, ods).await,
            _ => Err(
                AccessError::Forbidden("Returns are completed by the trust's own reporter.").into(),
            ),
        },
    }
}

/// The reporter's own organisation's code must be the one asked for.
async fn own_code(
    db: &impl sea_orm::ConnectionTrait,
    by: &By,
    ods: &str,
) -> Result<(), ServiceError> {
    let By::User(actor) = by else { return Ok(()) };
    let Some(own) = actor.organisation_id else {
        return Err(AccessError::Hidden.into());
    };
    match store::ods_code_of(db, own).await? {
        Some(code) if same_code(&code, ods) => Ok(()),
        _ => Err(AccessError::Hidden.into()),
    }
}

/// Reads `m_{id}_forecast`, `m_{id}_status`, `m_{id}_comment` and
/// `risk_{n}_description|rating|mitigation` from the posted pairs.
/// The first value of a name wins.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Field errors with the names the return form uses, for tests and views.
pub fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a FieldError> {
    errors.iter().find(|e| e.field == field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_name_an_old_id_and_anything_else_a_slug() {
        assert_eq!(PeriodRef::parse("12"), PeriodRef::Id(12));
        assert!(PeriodRef::parse("12").is_id());
        assert_eq!(
            PeriodRef::parse("2020-21-Q3"),
            PeriodRef::Slug("2020-21-q3".into())
        );
        assert_eq!(PeriodRef::parse("+12"), PeriodRef::Slug("+12".into()));
        assert_eq!(PeriodRef::parse("-1"), PeriodRef::Slug("-1".into()));
        assert_eq!(
            PeriodRef::parse("99999999999"),
            PeriodRef::Slug("99999999999".into())
        );
    }
}
