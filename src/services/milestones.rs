//! Milestones: created by the programme office, kept current (forecast,
//! status, actual date), signed off, and re-baselined only through an
//! approved change request. Pages get read models from here, never rows.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};
use time::Date;

use super::audit_log::HistoryEntry;
use super::change_requests::{self, DecisionForm, Header, Kind, Outcome, one_pending};
use super::concurrency::{Versioned, claim_milestone, settle, settle_unique, update_versioned};
use super::fields::Fields;
use super::{By, ServiceError};
use crate::domain::access::{AccessError, UserRole};
use crate::domain::change::{RequestStatus, check_reason};
use crate::domain::milestone::{
    MilestoneCategory, MilestoneReference, MilestoneStatus, Timeliness, check_dates, slippage_days,
    timeliness,
};
use crate::domain::pagination::{Page, PageRequest};
use crate::entities::{
    BaselineChangeRequests, Milestones, Organisations, Participants, baseline_change_request,
    milestone, organisation, participant,
};
use crate::store::audit::{self, AuditEntry};
use crate::store::decode;
use crate::store::programme::{self as programme_store, MilestoneOrder, MilestoneQuery};

/// The participant and organisation behind an ODS code.
pub async fn participant_by_ods(
    db: &impl ConnectionTrait,
    ods_code: &str,
) -> Result<(participant::Model, organisation::Model), ServiceError> {
    let org = Organisations::find()
        .filter(organisation::Column::OdsCode.eq(ods_code.trim().to_uppercase()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let participant = Participants::find()
        .filter(participant::Column::OrganisationId.eq(org.id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((participant, org))
}

/// A milestone with its participant's organisation id (for scoping and audit).
pub(crate) async fn load(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<(milestone::Model, i32), ServiceError> {
    let m = Milestones::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let p = Participants::find_by_id(m.participant_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((m, p.organisation_id))
}

/// Reading a milestone: hidden from reporters of other organisations, so a
/// real id and a made-up one answer alike.
async fn readable(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
) -> Result<(milestone::Model, i32), ServiceError> {
    let (m, org) = load(db, id).await.map_err(|e| match e {
        ServiceError::NotFound => AccessError::Hidden.into(),
        other => other,
    })?;
    if let By::User(actor) = by {
        actor.read_organisation(org)?;
    }
    Ok((m, org))
}

pub fn snapshot(m: &milestone::Model) -> Value {
    json!({
        "reference": m.reference,
        "title": m.title,
        "category": m.category,
        "baseline_on": m.baseline_on.to_string(),
        "forecast_on": m.forecast_on.map(|d| d.to_string()),
        "actual_on": m.actual_on.map(|d| d.to_string()),
        "status": m.status,
        "signed_off_on": m.signed_off_on.map(|d| d.to_string()),
    })
}

/// What a save reports back: enough to say so and go to the milestone.
#[derive(Clone, Debug)]
pub struct Saved {
    pub id: i32,
    pub reference: String,
}

impl From<&milestone::Model> for Saved {
    fn from(m: &milestone::Model) -> Saved {
        Saved {
            id: m.id,
            reference: m.reference.clone(),
        }
    }
}

/// A participant as the new-milestone form names it.
#[derive(Clone, Debug)]
pub struct ParticipantName {
    pub ods: String,
    pub name: String,
}

/// The new-milestone form's heading: the office only, checked first.
pub async fn new_form(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
) -> Result<ParticipantName, ServiceError> {
    by.change_programme()?;
    let (_, org) = participant_by_ods(db, ods_code).await?;
    Ok(ParticipantName {
        ods: org.ods_code.unwrap_or_default(),
        name: org.name,
    })
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewMilestone {
    pub reference: String,
    pub title: String,
    pub category: String,
    pub baseline_on: String,
    pub forecast_on: String,
}

pub async fn create(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
    form: NewMilestone,
) -> Result<Saved, ServiceError> {
    by.change_programme()?;
    let (participant, org) = participant_by_ods(db, ods_code).await?;
    let mut f = Fields::default();
    let reference = f.required(
        "reference",
        &form.reference,
        "Enter a reference, for example M07",
        MilestoneReference::parse,
    );
    let title = f.text("title", &form.title, "Enter what will be delivered", 200);
    let category = f.required(
        "category",
        &form.category,
        "Select a category",
        MilestoneCategory::from_code,
    );
    let baseline = f.date("baseline_on", &form.baseline_on, "Enter the baseline date");
    let forecast = f.optional_date("forecast_on", &form.forecast_on);
    let duplicate = |reference: &MilestoneReference| {
        format!(
            "{} already has a milestone {}",
            org.ods_code.clone().unwrap_or_default(),
            reference.as_str()
        )
    };
    if let Some(reference) = &reference
        && Milestones::find()
            .filter(milestone::Column::ParticipantId.eq(participant.id))
            .filter(milestone::Column::Reference.eq(reference.as_str()))
            .one(db)
            .await?
            .is_some()
    {
        f.error("reference", duplicate(reference));
    }
    let (Some(reference), Some(title), Some(category), Some(baseline), Some(forecast)) =
        (reference, title, category, baseline, forecast)
    else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let now = crate::clock::now();
    let result = async {
        let txn = crate::services::begin_write(db).await?;
        let created = milestone::ActiveModel {
            participant_id: Set(participant.id),
            reference: Set(reference.as_str().to_owned()),
            title: Set(title),
            category: Set(category.code().to_owned()),
            baseline_on: Set(baseline),
            forecast_on: Set(Some(forecast.unwrap_or(baseline))),
            actual_on: Set(None),
            status: Set(MilestoneStatus::NotStarted.code().to_owned()),
            signed_off_on: Set(None),
            signed_off_by: Set(None),
            illustrative: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            AuditEntry::by(by, "milestone.create", "milestone", &created.id.to_string())
                .organisation(org.id)
                .after(snapshot(&created)),
        )
        .await?;
        txn.commit().await?;
        Ok(Saved::from(&created))
    }
    .await;
    // Two at once with one reference: the unique index answers the second.
    result.map_err(settle_unique("reference", &duplicate(&reference)))
}
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Progress {
    pub forecast_on: String,
    pub status: String,
    pub actual_on: String,
    pub version: String,
}

/// Forecast, status and actual date; a signed-off milestone no longer changes.
pub async fn update_progress(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
    form: Progress,
) -> Result<Saved, ServiceError> {
    by.change_programme()?;
    let (current, org) = load(db, id).await?;
    let mut f = Fields::default();
    let forecast = f.optional_date("forecast_on", &form.forecast_on);
    let status = f.required(
        "status",
        &form.status,
        "Select a status",
        MilestoneStatus::from_code,
    );
    let actual = f.optional_date("actual_on", &form.actual_on);
    let version = f.version(&form.version);
    if current.signed_off_on.is_some() {
        f.error(
            "status",
            "This milestone has been signed off, so its progress can no longer change",
        );
    }
    if let (Some(status), Some(actual)) = (status, actual) {
        if let Err(e) = check_dates(status, actual, None) {
            let field = if actual.is_none() {
                "actual_on"
            } else {
                "status"
            };
            f.error(field, e.to_string());
        }
        if let Some(actual) = actual
            && actual > crate::clock::now().date()
        {
            f.error("actual_on", "The actual date cannot be in the future");
        }
    }
    let (Some(forecast), Some(status), Some(actual), Some(version)) =
        (forecast, status, actual, version)
    else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let result = async {
        // The versioned update is the first statement: it claims the row.
        let txn = crate::services::begin_write(db).await?;
        let updated = update_versioned::<Milestones, _>(
            &txn,
            Versioned {
                id: milestone::Column::Id,
                version: milestone::Column::Version,
                updated_at: milestone::Column::UpdatedAt,
            },
            id,
            version,
            vec![
                (milestone::Column::ForecastOn, Expr::value(forecast)),
                (milestone::Column::Status, Expr::value(status.code())),
                (milestone::Column::ActualOn, Expr::value(actual)),
            ],
        )
        .await?;
        audit::record(
            &txn,
            AuditEntry::by(by, "milestone.progress", "milestone", &id.to_string())
                .organisation(org)
                .before(snapshot(&current))
                .after(snapshot(&updated)),
        )
        .await?;
        txn.commit().await?;
        Ok(Saved::from(&updated))
    }
    .await;
    result.map_err(settle)
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SignOff {
    pub signed_off_on: String,
    pub version: String,
}

/// The programme office confirms completion; needs the actual date.
pub async fn sign_off(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
    form: SignOff,
    today: Date,
) -> Result<Saved, ServiceError> {
    by.change_programme()?;
    let (current, org) = load(db, id).await?;
    let mut f = Fields::default();
    let on = f.optional_date("signed_off_on", &form.signed_off_on);
    let version = f.version(&form.version);
    let (Some(on), Some(version)) = (on, version) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    let on = on.unwrap_or(today);
    if current.signed_off_on.is_some() {
        f.error(
            "signed_off_on",
            "This milestone has already been signed off",
        );
    } else if on > today {
        f.error("signed_off_on", "The sign-off date cannot be in the future");
    } else {
        let status = decode("status", MilestoneStatus::from_code(&current.status))?;
        if let Err(e) = check_dates(status, current.actual_on, Some(on)) {
            f.error("signed_off_on", e.to_string());
        }
    }
    f.finish()?;
    let result = async {
        // The versioned update is the first statement: it claims the row.
        let txn = crate::services::begin_write(db).await?;
        let updated = update_versioned::<Milestones, _>(
            &txn,
            Versioned {
                id: milestone::Column::Id,
                version: milestone::Column::Version,
                updated_at: milestone::Column::UpdatedAt,
            },
            id,
            version,
            vec![
                (milestone::Column::SignedOffOn, Expr::value(on)),
                (milestone::Column::SignedOffBy, Expr::value(by.user_id())),
            ],
        )
        .await?;
        audit::record(
            &txn,
            AuditEntry::by(by, "milestone.sign_off", "milestone", &id.to_string())
                .organisation(org)
                .before(snapshot(&current))
                .after(snapshot(&updated)),
        )
        .await?;
        txn.commit().await?;
        Ok(Saved::from(&updated))
    }
    .await;
    result.map_err(settle)
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BaselineRequest {
    pub proposed_baseline_on: String,
    pub reason: String,
}

const ONE_PENDING: &str = "A baseline change is already awaiting a decision for this milestone";

/// Asks to move a baseline: the office, or the milestone's own trust. One
/// request at a time per milestone: checked after the milestone is claimed,
/// and held by a unique index over the pending requests.
pub async fn request_baseline_change(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
    form: BaselineRequest,
) -> Result<(), ServiceError> {
    let By::User(actor) = by else {
        return Err(ServiceError::invalid(
            "user",
            "change requests are made by signed-in users",
        ));
    };
    // Readers change nothing, whichever milestone they name.
    if actor.role == UserRole::BriefingReader {
        actor.report_for(0)?;
    }
    let (_, org) = readable(db, by, id).await?;
    actor.report_for(org)?;
    let mut f = Fields::default();
    let proposed = f.date(
        "proposed_baseline_on",
        &form.proposed_baseline_on,
        "Enter the proposed new baseline date",
    );
    if let Err(e) = check_reason(&form.reason) {
        f.error("reason", e.to_string());
    }
    let result = async {
        let txn = crate::services::begin_write(db).await?;
        claim_milestone(&txn, id).await?;
        let (current, _) = load(&txn, id).await?;
        if proposed == Some(current.baseline_on) {
            f.error("proposed_baseline_on", "This is already the baseline date");
        }
        if pending_baseline_request(&txn, id).await?.is_some() {
            f.error("proposed_baseline_on", ONE_PENDING);
        }
        let Some(proposed) = proposed else {
            return Err(ServiceError::Invalid(std::mem::take(&mut f.errors)));
        };
        std::mem::take(&mut f).finish()?;
        let now = crate::clock::now();
        let created = baseline_change_request::ActiveModel {
            milestone_id: Set(id),
            previous_baseline_on: Set(current.baseline_on),
            proposed_baseline_on: Set(proposed),
            reason: Set(form.reason.trim().to_owned()),
            status: Set(RequestStatus::Pending.code().to_owned()),
            requested_by: Set(actor.user_id),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(one_pending("proposed_baseline_on", ONE_PENDING))?;
        audit::record(
            &txn,
            AuditEntry::by(by, "baseline_change.request", "milestone", &id.to_string())
                .organisation(org)
                .before(json!({ "baseline_on": current.baseline_on.to_string() }))
                .after(
                    json!({ "proposed_baseline_on": proposed.to_string(), "request": created.id }),
                )
                .reason(form.reason.trim()),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
    .await;
    result.map_err(settle)
}

async fn pending_baseline_request(
    db: &impl ConnectionTrait,
    milestone_id: i32,
) -> Result<Option<baseline_change_request::Model>, ServiceError> {
    Ok(BaselineChangeRequests::find()
        .filter(baseline_change_request::Column::MilestoneId.eq(milestone_id))
        .filter(baseline_change_request::Column::Status.eq(RequestStatus::Pending.code()))
        .one(db)
        .await?)
}

/// Baseline change requests, decided through `change_requests::decide`.
pub(crate) struct BaselineChange;

impl Kind for BaselineChange {
    type Request = baseline_change_request::Model;
    const TABLE: &'static str = "baseline_change_requests";
    const ACTION: &'static str = "baseline_change";
    const ENTITY: &'static str = "milestone";

    fn header(r: &Self::Request) -> Header {
        Header {
            status: r.status.clone(),
            requested_by: r.requested_by,
            reason: r.reason.clone(),
        }
    }

    async fn find(
        db: &impl ConnectionTrait,
        id: i32,
    ) -> Result<Option<Self::Request>, ServiceError> {
        Ok(BaselineChangeRequests::find_by_id(id).one(db).await?)
    }

    async fn begin(
        db: &DatabaseConnection,
        r: &Self::Request,
    ) -> Result<DatabaseTransaction, ServiceError> {
        let txn = crate::services::begin_write(db).await?;
        claim_milestone(&txn, r.milestone_id).await?;
        Ok(txn)
    }

    /// The baseline moves (the old one stays in the request and the audit
    /// trail); the milestone's version moves with it, so an open form on the
    /// old version gets a conflict rather than overwriting.
    async fn apply(txn: &DatabaseTransaction, r: &Self::Request) -> Result<Outcome, ServiceError> {
        let (m, org) = load(txn, r.milestone_id).await?;
        if m.baseline_on != r.previous_baseline_on {
            return Err(ServiceError::Conflict);
        }
        update_versioned::<Milestones, _>(
            txn,
            Versioned {
                id: milestone::Column::Id,
                version: milestone::Column::Version,
                updated_at: milestone::Column::UpdatedAt,
            },
            m.id,
            m.version,
            vec![(
                milestone::Column::BaselineOn,
                Expr::value(r.proposed_baseline_on),
            )],
        )
        .await?;
        Ok(Outcome {
            organisation_id: org,
            record_id: m.id,
            before: json!({ "baseline_on": m.baseline_on.to_string() }),
            after: json!({ "baseline_on": r.proposed_baseline_on.to_string(), "request": r.id }),
        })
    }

    async fn unchanged(
        txn: &DatabaseTransaction,
        r: &Self::Request,
    ) -> Result<Outcome, ServiceError> {
        let (m, org) = load(txn, r.milestone_id).await?;
        let baseline = json!({ "baseline_on": m.baseline_on.to_string() });
        Ok(Outcome {
            organisation_id: org,
            record_id: m.id,
            before: baseline,
            after: json!({ "baseline_on": m.baseline_on.to_string(), "request": r.id }),
        })
    }
}

/// Approve (the baseline moves) or reject with a comment.
pub async fn decide_baseline_change(
    db: &DatabaseConnection,
    by: &By,
    request_id: i32,
    form: DecisionForm,
) -> Result<(), ServiceError> {
    change_requests::decide::<BaselineChange>(db, by, request_id, form).await
}

/// The filter form as typed (query string).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MilestoneFilterValues {
    pub participant: String,
    pub status: String,
    pub category: String,
    pub overdue: String,
    pub slipped_over: String,
    pub sort: String,
    pub page: String,
    pub size: String,
}

/// The filter in domain terms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MilestoneFilter {
    pub participant: Option<String>,
    pub status: Option<MilestoneStatus>,
    pub category: Option<MilestoneCategory>,
    pub overdue: bool,
    pub slipped_over: Option<i64>,
    pub sort: MilestoneSort,
    pub page: PageRequest,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MilestoneSort {
    #[default]
    Participant,
    Baseline,
    Forecast,
    Slippage,
}

impl MilestoneFilterValues {
    /// Converts once; a bad value names its parameter.
    pub fn parse(&self) -> Result<MilestoneFilter, String> {
        let chosen = |v: &str| Some(v.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(MilestoneFilter {
            participant: chosen(&self.participant).map(|s| s.to_uppercase()),
            status: chosen(&self.status)
                .map(|s| MilestoneStatus::from_code(&s).map_err(|e| format!("status: {e}")))
                .transpose()?,
            category: chosen(&self.category)
                .map(|s| MilestoneCategory::from_code(&s).map_err(|e| format!("category: {e}")))
                .transpose()?,
            overdue: match chosen(&self.overdue).as_deref() {
                None => false,
                Some("yes" | "true" | "1" | "on") => true,
                Some(other) => return Err(format!("overdue: {other:?} is not yes or empty")),
            },
            slipped_over: chosen(&self.slipped_over)
                .map(|s| {
                    s.parse::<i64>()
                        .ok()
                        .filter(|n| *n >= 0)
                        .ok_or_else(|| format!("slipped_over: {s:?} is not a whole number of days"))
                })
                .transpose()?,
            page: PageRequest::parse(Some(&self.page), Some(&self.size))?,
            sort: match chosen(&self.sort).as_deref() {
                None | Some("participant") => MilestoneSort::Participant,
                Some("baseline") => MilestoneSort::Baseline,
                Some("forecast") => MilestoneSort::Forecast,
                Some("slippage") => MilestoneSort::Slippage,
                Some(other) => {
                    return Err(format!(
                        "sort: {other:?} is not one of participant, baseline, forecast, slippage"
                    ));
                }
            },
        })
    }
}

/// A milestone as lists and pages show it.
#[derive(Clone, Debug)]
pub struct MilestoneRow {
    pub id: i32,
    pub organisation_id: i32,
    pub ods_code: String,
    pub participant_name: String,
    pub reference: String,
    pub title: String,
    pub category: MilestoneCategory,
    pub baseline_on: Date,
    pub forecast_on: Option<Date>,
    pub actual_on: Option<Date>,
    pub status: MilestoneStatus,
    pub slippage_days: i64,
    pub timeliness: Timeliness,
    pub illustrative: bool,
}

impl MilestoneFilter {
    pub fn matches(&self, r: &MilestoneRow) -> bool {
        self.participant.as_ref().is_none_or(|p| *p == r.ods_code)
            && self.status.is_none_or(|s| s == r.status)
            && self.category.is_none_or(|c| c == r.category)
            && (!self.overdue || r.timeliness == Timeliness::Overdue)
            && self.slipped_over.is_none_or(|n| r.slippage_days > n)
    }
}

fn row(
    m: milestone::Model,
    ods: &str,
    name: &str,
    org: i32,
    today: Date,
) -> Result<MilestoneRow, ServiceError> {
    let status = decode("milestone status", MilestoneStatus::from_code(&m.status))?;
    Ok(MilestoneRow {
        id: m.id,
        organisation_id: org,
        ods_code: ods.to_owned(),
        participant_name: name.to_owned(),
        slippage_days: slippage_days(m.baseline_on, m.forecast_on, m.actual_on),
        timeliness: timeliness(status, m.forecast_on, m.baseline_on, today),
        category: decode("category", MilestoneCategory::from_code(&m.category))?,
        reference: m.reference,
        title: m.title,
        baseline_on: m.baseline_on,
        forecast_on: m.forecast_on,
        actual_on: m.actual_on,
        status,
        illustrative: m.illustrative,
    })
}

/// One page of the milestone list (filtered, sorted and counted in SQL,
/// within this person's scope), and the participants the filter offers
/// (`None` when there are too many to list; the page asks for a code).
pub struct MilestoneList {
    pub page: Page<MilestoneRow>,
    pub participants: Option<Vec<(String, String)>>,
}

/// The most participants the filter offers as a drop-down list.
pub const PARTICIPANT_CHOICES: u64 = 300;

pub async fn list(
    db: &DatabaseConnection,
    by: &By,
    filter: &MilestoneFilter,
    today: Date,
) -> Result<MilestoneList, ServiceError> {
    let scope = crate::services::programme::read_scope(by)?;
    let query = MilestoneQuery {
        organisation: scope,
        ods_code: filter.participant.clone(),
        status: filter.status.map(|s| s.code()),
        category: filter.category.map(|c| c.code()),
        overdue: filter.overdue,
        slipped_over: filter.slipped_over,
        order: match filter.sort {
            MilestoneSort::Participant => MilestoneOrder::Participant,
            MilestoneSort::Baseline => MilestoneOrder::Baseline,
            MilestoneSort::Forecast => MilestoneOrder::Forecast,
            MilestoneSort::Slippage => MilestoneOrder::Slippage,
        },
    };
    let txn = super::reading::consistent(db).await?;
    let found = programme_store::milestone_page(&txn, today, &query, filter.page).await?;
    let participants =
        programme_store::participant_choices(&txn, scope, PARTICIPANT_CHOICES).await?;
    txn.commit().await?;
    let (total, request) = (found.total, found.request);
    let mut rows = Vec::with_capacity(found.rows.len());
    for r in found.rows {
        rows.push(row(
            r.milestone,
            &r.ods_code,
            &r.name,
            r.organisation_id,
            today,
        )?);
    }
    Ok(MilestoneList {
        page: Page::new(rows, total, request),
        participants,
    })
}

/// A milestone as it stood at the end of a day, from the snapshot read model.
fn row_at(
    m: &crate::domain::snapshot::MilestoneAt,
    p: &crate::domain::snapshot::ParticipantAt,
    day: Date,
) -> Result<MilestoneRow, ServiceError> {
    let status = decode("milestone status", MilestoneStatus::from_code(&m.status))?;
    Ok(MilestoneRow {
        id: m.id,
        organisation_id: p.organisation_id,
        ods_code: p.ods_code.clone(),
        participant_name: p.name.clone(),
        slippage_days: slippage_days(m.baseline_on, m.forecast_on, m.actual_on),
        timeliness: timeliness(status, m.forecast_on, m.baseline_on, day),
        category: decode("category", MilestoneCategory::from_code(&m.category))?,
        reference: m.reference.clone(),
        title: m.title.clone(),
        baseline_on: m.baseline_on,
        forecast_on: m.forecast_on,
        actual_on: m.actual_on,
        status,
        illustrative: m.illustrative,
    })
}

/// The milestones this person may read as they stood at the end of `day`
/// (`services::snapshot::readable_as_at`), filtered, sorted as the list is,
/// then paged.
pub async fn list_as_at(
    db: &DatabaseConnection,
    by: &By,
    filter: &MilestoneFilter,
    day: Date,
) -> Result<Page<MilestoneRow>, ServiceError> {
    let s = super::snapshot::readable_as_at(db, by, day).await?;
    let participants: std::collections::HashMap<i32, &crate::domain::snapshot::ParticipantAt> =
        s.participants.iter().map(|p| (p.id, p)).collect();
    let mut rows = Vec::new();
    for m in &s.milestones {
        let Some(p) = participants.get(&m.participant_id) else {
            continue;
        };
        let r = row_at(m, p, day)?;
        if filter.matches(&r) {
            rows.push(r);
        }
    }
    let tie = |r: &MilestoneRow| (r.ods_code.to_lowercase(), r.reference.to_lowercase(), r.id);
    match filter.sort {
        MilestoneSort::Participant => rows.sort_by_key(|r| {
            (
                r.ods_code.to_lowercase(),
                r.baseline_on,
                r.reference.to_lowercase(),
                r.id,
            )
        }),
        MilestoneSort::Baseline => rows.sort_by_key(|r| (r.baseline_on, tie(r))),
        MilestoneSort::Forecast => {
            rows.sort_by_key(|r| (r.forecast_on.is_some(), r.forecast_on, tie(r)))
        }
        MilestoneSort::Slippage => rows.sort_by_key(|r| (-r.slippage_days, tie(r))),
    }
    let total = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    let request = filter.page.within(total);
    let rows = rows
        .into_iter()
        .skip(usize::try_from(request.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(request.limit()).unwrap_or(usize::MAX))
        .collect();
    Ok(Page::new(rows, total, request))
}

/// One milestone as it stood at the end of `day`: its row, version and
/// sign-off then. Not found if it did not exist then, or is another trust's.
pub async fn detail_as_at(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
    day: Date,
) -> Result<(MilestoneRow, i32, Option<Date>), ServiceError> {
    let s = super::snapshot::readable_as_at(db, by, day).await?;
    let m = s
        .milestones
        .iter()
        .find(|m| m.id == id)
        .ok_or(ServiceError::NotFound)?;
    let p = s
        .participants
        .iter()
        .find(|p| p.id == m.participant_id)
        .ok_or(ServiceError::NotFound)?;
    Ok((row_at(m, p, day)?, m.version, m.signed_off_on))
}

/// One baseline change request as the milestone page lists it.
#[derive(Clone, Debug)]
pub struct BaselineRequestSummary {
    pub previous: Date,
    pub proposed: Date,
    pub reason: String,
    pub status: &'static str,
    pub comment: Option<String>,
}

/// Everything the milestone page shows, for this reader.
#[derive(Clone, Debug)]
pub struct MilestoneDetail {
    pub row: MilestoneRow,
    pub version: i32,
    pub signed_off_on: Option<Date>,
    /// The office may update progress and sign off.
    pub office: bool,
    /// The office or the milestone's own trust may ask to move the baseline.
    pub can_request: bool,
    /// A request awaiting a decision: (proposed date, reason).
    pub pending: Option<(Date, String)>,
    pub requests: Vec<BaselineRequestSummary>,
    pub history: Vec<HistoryEntry>,
    /// The stored progress, as the progress form starts.
    pub progress: Progress,
}

pub async fn detail(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
    today: Date,
) -> Result<MilestoneDetail, ServiceError> {
    let (m, org) = readable(db, by, id).await?;
    let organisation = Organisations::find_by_id(org)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (office, can_request) = match by {
        By::User(actor) => (actor.is_office(), actor.report_for(org).is_ok()),
        By::Cli => (true, false),
    };
    let requests = BaselineChangeRequests::find()
        .filter(baseline_change_request::Column::MilestoneId.eq(m.id))
        .order_by_desc(baseline_change_request::Column::CreatedAt)
        .all(db)
        .await?;
    let pending = requests
        .iter()
        .find(|r| r.status == RequestStatus::Pending.code())
        .map(|r| (r.proposed_baseline_on, r.reason.clone()));
    let history = super::audit_log::history(db, by, "milestone", &m.id.to_string(), None).await?;
    let progress = Progress {
        forecast_on: m.forecast_on.map(|d| d.to_string()).unwrap_or_default(),
        status: m.status.clone(),
        actual_on: m.actual_on.map(|d| d.to_string()).unwrap_or_default(),
        version: m.version.to_string(),
    };
    let (version, signed_off_on) = (m.version, m.signed_off_on);
    let ods = organisation.ods_code.clone().unwrap_or_default();
    Ok(MilestoneDetail {
        row: row(m, &ods, &organisation.name, org, today)?,
        version,
        signed_off_on,
        office,
        can_request,
        pending,
        requests: requests
            .into_iter()
            .map(|r| {
                Ok(BaselineRequestSummary {
                    previous: r.previous_baseline_on,
                    proposed: r.proposed_baseline_on,
                    reason: r.reason,
                    status: decode("status", RequestStatus::from_code(&r.status))?.label(),
                    comment: r.decision_comment,
                })
            })
            .collect::<Result<_, ServiceError>>()?,
        history,
        progress,
    })
}

/// What a milestone holds now, for the page shown after a stale save.
pub async fn current_values(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
) -> Result<Value, ServiceError> {
    let (m, _) = readable(db, by, id).await?;
    Ok(snapshot(&m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_filter_values_name_their_parameter() {
        let v = MilestoneFilterValues {
            status: "done".into(),
            ..Default::default()
        };
        assert!(v.parse().unwrap_err().starts_with("status:"));
        let v = MilestoneFilterValues {
            slipped_over: "-3".into(),
            ..Default::default()
        };
        assert!(v.parse().unwrap_err().starts_with("slipped_over:"));
        let v = MilestoneFilterValues {
            slipped_over: "90".into(),
            overdue: "yes".into(),
            ..Default::default()
        };
        let f = v.parse().unwrap();
        assert_eq!(f.slipped_over, Some(90));
        assert!(f.overdue);
    }
}
