//! Reporting periods and trust returns: the rows a return is made of, and
//! the writes that claim, create and fill one.
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, TryInsertResult,
};
use time::{Date, OffsetDateTime};

use crate::domain::milestone::MilestoneStatus;
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::ReturnStatus;
use crate::entities::{
    Allocations, Milestones, Organisations, ReportingPeriods, ReturnMilestoneUpdates, ReturnRisks,
    Returns, allocation, milestone, organisation, progress_return, reporting_period,
    return_milestone_update, return_risk,
};

pub async fn period(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<reporting_period::Model>, DbErr> {
    ReportingPeriods::find_by_id(id).one(db).await
}

pub async fn period_by_label(
    db: &impl ConnectionTrait,
    label: &str,
) -> Result<Option<reporting_period::Model>, DbErr> {
    ReportingPeriods::find()
        .filter(reporting_period::Column::Label.eq(label))
        .one(db)
        .await
}

/// Every period, the latest first.
pub async fn periods(db: &impl ConnectionTrait) -> Result<Vec<reporting_period::Model>, DbErr> {
    ReportingPeriods::find()
        .order_by_desc(reporting_period::Column::EndsOn)
        .all(db)
        .await
}

/// Periods that ended before `ends_on`.
pub async fn periods_before(
    db: &impl ConnectionTrait,
    ends_on: Date,
) -> Result<Vec<reporting_period::Model>, DbErr> {
    ReportingPeriods::find()
        .filter(reporting_period::Column::EndsOn.lt(ends_on))
        .all(db)
        .await
}

/// The ODS code of an organisation (a reporter's own, for scoping).
pub async fn ods_code_of(
    db: &impl ConnectionTrait,
    organisation_id: i32,
) -> Result<Option<String>, DbErr> {
    Ok(Organisations::find_by_id(organisation_id)
        .one(db)
        .await?
        .and_then(|o: organisation::Model| o.ods_code))
}

/// The one return of a participant for a period, if started.
pub async fn record_for(
    db: &impl ConnectionTrait,
    period_id: i32,
    participant_id: i32,
) -> Result<Option<progress_return::Model>, DbErr> {
    Returns::find()
        .filter(progress_return::Column::PeriodId.eq(period_id))
        .filter(progress_return::Column::ParticipantId.eq(participant_id))
        .one(db)
        .await
}

pub async fn approved_of(
    db: &impl ConnectionTrait,
    participant_id: i32,
    period_ids: Vec<i32>,
) -> Result<Vec<progress_return::Model>, DbErr> {
    Returns::find()
        .filter(progress_return::Column::ParticipantId.eq(participant_id))
        .filter(progress_return::Column::Status.eq(ReturnStatus::Approved.code()))
        .filter(progress_return::Column::PeriodId.is_in(period_ids))
        .all(db)
        .await
}

pub async fn all_returns(db: &impl ConnectionTrait) -> Result<Vec<progress_return::Model>, DbErr> {
    Returns::find().all(db).await
}

/// A participant's milestones, earliest baseline first.
pub async fn milestones_of(
    db: &impl ConnectionTrait,
    participant_id: i32,
) -> Result<Vec<milestone::Model>, DbErr> {
    Milestones::find()
        .filter(milestone::Column::ParticipantId.eq(participant_id))
        .order_by_asc(milestone::Column::BaselineOn)
        .all(db)
        .await
}

pub async fn updates_of(
    db: &impl ConnectionTrait,
    return_id: i32,
) -> Result<Vec<return_milestone_update::Model>, DbErr> {
    ReturnMilestoneUpdates::find()
        .filter(return_milestone_update::Column::ReturnId.eq(return_id))
        .all(db)
        .await
}

pub async fn risks_of(
    db: &impl ConnectionTrait,
    return_id: i32,
) -> Result<Vec<return_risk::Model>, DbErr> {
    ReturnRisks::find()
        .filter(return_risk::Column::ReturnId.eq(return_id))
        .order_by_asc(return_risk::Column::Position)
        .all(db)
        .await
}

/// A participant's allocations (their profile is the spend a return is measured against).
pub async fn allocations_of(
    db: &impl ConnectionTrait,
    participant_id: i32,
) -> Result<Vec<allocation::Model>, DbErr> {
    Allocations::find()
        .filter(allocation::Column::ParticipantId.eq(participant_id))
        .all(db)
        .await
}

/// Starts a blank draft as a transaction's first statement. `None` when the
/// participant already has a return for the period: the unique index on
/// (period, participant) decides, so two parallel starts make one return.
pub async fn start_draft(
    db: &impl ConnectionTrait,
    period_id: i32,
    participant_id: i32,
    scale: RatingScale,
) -> Result<Option<progress_return::Model>, DbErr> {
    let now = crate::clock::now();
    let inserted = Returns::insert(progress_return::ActiveModel {
        period_id: Set(period_id),
        participant_id: Set(participant_id),
        status: Set(ReturnStatus::Draft.code().to_owned()),
        rating_scale: Set(scale.code().to_owned()),
        illustrative: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([
        progress_return::Column::PeriodId,
        progress_return::Column::ParticipantId,
    ])
    .exec_without_returning(db)
    .await?;
    match inserted {
        TryInsertResult::Inserted(1) => record_for(db, period_id, participant_id).await,
        _ => Ok(None),
    }
}

/// What a trust's save writes into its return row.
pub struct ReturnContent {
    pub status: ReturnStatus,
    pub spend_to_date_pence: Option<i64>,
    pub self_rating: Option<Rating>,
    pub rating_justification: Option<String>,
    pub narrative: Option<String>,
    pub submitted_at: Option<OffsetDateTime>,
    pub submitted_by: Option<i32>,
}

/// Writes the content of a return already claimed by this transaction (its
/// version was bumped by the claim, so it is not bumped again).
pub async fn write_content(
    db: &impl ConnectionTrait,
    return_id: i32,
    content: ReturnContent,
) -> Result<(), DbErr> {
    use progress_return::Column as C;
    Returns::update_many()
        .col_expr(C::Status, Expr::value(content.status.code()))
        .col_expr(
            C::SpendToDatePence,
            Expr::value(content.spend_to_date_pence),
        )
        .col_expr(
            C::SelfRating,
            Expr::value(content.self_rating.map(|r| r.code())),
        )
        .col_expr(
            C::RatingJustification,
            Expr::value(content.rating_justification),
        )
        .col_expr(C::Narrative, Expr::value(content.narrative))
        .col_expr(C::SubmittedAt, Expr::value(content.submitted_at))
        .col_expr(C::SubmittedBy, Expr::value(content.submitted_by))
        .filter(C::Id.eq(return_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The office's decision on a claimed return.
pub struct Decision {
    pub status: ReturnStatus,
    pub office_rating: Option<Rating>,
    pub office_comment: Option<String>,
    pub approved_at: Option<OffsetDateTime>,
    pub approved_by: Option<i32>,
}

pub async fn write_decision(
    db: &impl ConnectionTrait,
    return_id: i32,
    decision: Decision,
) -> Result<(), DbErr> {
    use progress_return::Column as C;
    Returns::update_many()
        .col_expr(C::Status, Expr::value(decision.status.code()))
        .col_expr(
            C::OfficeRating,
            Expr::value(decision.office_rating.map(|r| r.code())),
        )
        .col_expr(C::OfficeComment, Expr::value(decision.office_comment))
        .col_expr(C::ApprovedAt, Expr::value(decision.approved_at))
        .col_expr(C::ApprovedBy, Expr::value(decision.approved_by))
        .filter(C::Id.eq(return_id))
        .exec(db)
        .await?;
    Ok(())
}

/// One reported milestone line, as stored.
pub struct StoredLine {
    pub milestone_id: i32,
    pub forecast_on: Option<Date>,
    pub status: MilestoneStatus,
    pub comment: Option<String>,
}

/// Replaces a return's milestone lines.
pub async fn replace_lines(
    db: &impl ConnectionTrait,
    return_id: i32,
    lines: &[StoredLine],
) -> Result<(), DbErr> {
    ReturnMilestoneUpdates::delete_many()
        .filter(return_milestone_update::Column::ReturnId.eq(return_id))
        .exec(db)
        .await?;
    if lines.is_empty() {
        return Ok(());
    }
    ReturnMilestoneUpdates::insert_many(lines.iter().map(|l| {
        return_milestone_update::ActiveModel {
            return_id: Set(return_id),
            milestone_id: Set(l.milestone_id),
            forecast_on: Set(l.forecast_on),
            status: Set(l.status.code().to_owned()),
            comment: Set(l.comment.clone()),
            ..Default::default()
        }
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// One risk row, as stored (positions follow the order given).
pub struct StoredRisk {
    pub description: String,
    pub rating: Rating,
    pub mitigation: Option<String>,
}

pub async fn replace_risks(
    db: &impl ConnectionTrait,
    return_id: i32,
    risks: &[StoredRisk],
) -> Result<(), DbErr> {
    ReturnRisks::delete_many()
        .filter(return_risk::Column::ReturnId.eq(return_id))
        .exec(db)
        .await?;
    for (i, risk) in risks.iter().enumerate() {
        return_risk::ActiveModel {
            return_id: Set(return_id),
            position: Set(i as i32 + 1),
            description: Set(risk.description.clone()),
            rating: Set(risk.rating.code().to_owned()),
            mitigation: Set(risk.mitigation.clone()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
