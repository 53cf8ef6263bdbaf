//! Reporting periods: the programme office opens them and lists them.
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::json;
use time::Month;

use super::{Period, store};
use crate::domain::financial_year::FinancialYear;
use crate::domain::reporting::{Frequency, PeriodStatus, month, quarter};
use crate::entities::reporting_period;
use crate::services::fields::Fields;
use crate::services::{By, ServiceError};
use crate::store::audit::{self, AuditEntry};

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PeriodForm {
    pub frequency: String,
    /// Quarterly: the financial year's first calendar year (2019 for 2019/20).
    /// Monthly: the calendar year.
    pub year: String,
    /// Quarterly: 1–4. Monthly: 1–12.
    pub number: String,
    pub due_on: String,
}

/// Every period, latest first: for the programme office's periods page.
pub async fn list_periods(db: &DatabaseConnection, by: &By) -> Result<Vec<Period>, ServiceError> {
    by.change_programme()?;
    store::periods(db)
        .await?
        .into_iter()
        .map(Period::from_row)
        .collect()
}

/// Every period on record at the end of `day` (UK time), as it stood then,
/// latest first: the periods page as at an earlier day.
pub async fn list_periods_as_at(
    db: &DatabaseConnection,
    by: &By,
    day: time::Date,
) -> Result<Vec<Period>, ServiceError> {
    by.change_programme()?;
    let mut rows =
        crate::store::snapshot::models_at::<crate::entities::ReportingPeriods>(db, day).await?;
    rows.sort_by(|a, b| b.ends_on.cmp(&a.ends_on).then(b.id.cmp(&a.id)));
    rows.into_iter().map(Period::from_row).collect()
}

pub async fn open_period(
    db: &DatabaseConnection,
    by: &By,
    form: PeriodForm,
) -> Result<Period, ServiceError> {
    by.change_programme()?;
    let mut f = Fields::default();
    let frequency = f.required(
        "frequency",
        &form.frequency,
        "Select monthly or quarterly",
        Frequency::from_code,
    );
    let year = f.required("year", &form.year, "Enter the year", |t| {
        t.parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or("Enter a year such as 2019")
    });
    let number = f.required(
        "number",
        &form.number,
        "Enter the quarter or month number",
        |t| t.parse::<u8>().map_err(|_| "Enter a whole number"),
    );
    let due = f.date("due_on", &form.due_on, "Enter the date returns are due");
    let (Some(frequency), Some(year), Some(number), Some(due)) = (frequency, year, number, due)
    else {
        return Err(ServiceError::Invalid(f.errors));
    };
    let spec = match frequency {
        Frequency::Quarterly => FinancialYear::new(year)
            .ok()
            .and_then(|fy| quarter(fy, number)),
        Frequency::Monthly => Month::try_from(number).ok().and_then(|m| month(year, m)),
    };
    let Some(spec) = spec else {
        return Err(ServiceError::invalid(
            "number",
            match frequency {
                Frequency::Quarterly => "A quarter is 1 to 4 (Q1 is April to June)",
                Frequency::Monthly => "A month is 1 to 12",
            },
        ));
    };
    if due < spec.ends_on {
        f.error("due_on", "Returns cannot be due before the period ends");
    }
    let already = || {
        crate::services::FieldError::new(
            "number",
            format!("The period {} is already open", spec.label),
        )
    };
    if store::period_by_label(db, &spec.label).await?.is_some() {
        f.errors.push(already());
    }
    f.finish()?;
    let now = crate::clock::now();
    let txn = crate::services::begin_write(db).await?;
    // The unique index on the label decides between two offices opening the
    // same period at once; the loser sees the same field error.
    let created = reporting_period::ActiveModel {
        label: Set(spec.label.clone()),
        frequency: Set(spec.frequency.code().to_owned()),
        starts_on: Set(spec.starts_on),
        ends_on: Set(spec.ends_on),
        due_on: Set(due),
        status: Set(PeriodStatus::Open.code().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            ServiceError::Invalid(vec![already()])
        }
        _ => ServiceError::Database(e),
    })?;
    audit::record(
        &txn,
        AuditEntry::by(
            by,
            "period.open",
            "reporting_period",
            &created.id.to_string(),
        )
        .after(json!({
            "label": created.label, "starts_on": created.starts_on.to_string(),
            "ends_on": created.ends_on.to_string(), "due_on": created.due_on.to_string(),
        })),
    )
    .await?;
    txn.commit().await?;
    Period::from_row(created)
}
