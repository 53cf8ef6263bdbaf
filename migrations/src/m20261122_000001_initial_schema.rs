//! The whole domain model of DESIGN.md in one first schema.
//!
//! Portable subset only (SQLite and PostgreSQL): enums are strings, money is
//! BIGINT pence, dates are DATE, instants are timestamps with time zone (UTC).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A foreign key from `table.column` to `to_table.id`.
fn fk(
    table: impl IntoIden + Clone + 'static,
    column: impl IntoIden + 'static,
    to_table: impl IntoIden + 'static,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    let table_name = table.clone().into_iden().to_string();
    let column = column.into_iden();
    let name = format!("fk_{table_name}_{column}");
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(to_table, Alias::new("id"))
        .on_delete(on_delete)
        .take()
}

fn index(
    name: &str,
    table: impl IntoIden + 'static,
    columns: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for column in columns {
        stmt.col(Alias::new(*column));
    }
    if unique {
        stmt.unique();
    }
    stmt.take()
}

fn created_updated(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp_with_time_zone(Alias::new("created_at")))
        .col(timestamp_with_time_zone(Alias::new("updated_at")))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};

        // Organisations: NHS trusts (by ODS code) and partner bodies (by name and country).
        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(Organisations::Table)
                        .col(pk_auto(Organisations::Id))
                        .col(string_len_null(Organisations::OdsCode, 5))
                        .col(string_len(Organisations::Name, 200))
                        .col(string_len_null(Organisations::NameAtDesignation, 200))
                        .col(string_len(Organisations::Kind, 32))
                        .col(string_len_null(Organisations::Sector, 32))
                        .col(string_len_null(Organisations::RegionCode, 3))
                        .col(string_len_null(Organisations::RegionCode2017, 3))
                        .col(string_len(Organisations::CountryCode, 2))
                        .col(date_null(Organisations::OpenedOn))
                        .col(date_null(Organisations::ClosedOn))
                        .col(integer_null(Organisations::SuccessorId))
                        .col(string_len_null(Organisations::Source, 200))
                        .foreign_key(&mut fk(
                            Organisations::Table,
                            Organisations::SuccessorId,
                            Organisations::Table,
                            SetNull,
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_organisations_ods_code",
                Organisations::Table,
                &["ods_code"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ux_organisations_name_country",
                Organisations::Table,
                &["name", "country_code"],
                true,
            ))
            .await?;

        // Participants: an organisation's place in the programme.
        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(Participants::Table)
                        .col(pk_auto(Participants::Id))
                        .col(integer(Participants::OrganisationId))
                        .col(string_len(Participants::Role, 32))
                        .col(string_len(Participants::Sector, 32))
                        .col(string_len(Participants::Wave, 40))
                        .col(date(Participants::DesignatedOn))
                        .col(string_len(Participants::DesignatedPrecision, 8))
                        .col(date_null(Participants::AccreditedOn))
                        .col(string_len_null(Participants::AccreditedPrecision, 8))
                        .col(string_len(Participants::Status, 16))
                        .col(string_len(Participants::Confidence, 8))
                        .col(string_len_null(Participants::Source, 200))
                        .col(integer(Participants::Version).default(1))
                        .foreign_key(&mut fk(
                            Participants::Table,
                            Participants::OrganisationId,
                            Organisations::Table,
                            Restrict,
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_participants_organisation",
                Participants::Table,
                &["organisation_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_participants_role_sector",
                Participants::Table,
                &["role", "sector"],
                false,
            ))
            .await?;

        // Pairings: a fast follower has at most one exemplar.
        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(Pairings::Table)
                        .col(pk_auto(Pairings::Id))
                        .col(integer(Pairings::FastFollowerId))
                        .col(integer(Pairings::ExemplarId))
                        .col(string_len(Pairings::Confidence, 8))
                        .col(string_len_null(Pairings::Source, 200))
                        .foreign_key(&mut fk(
                            Pairings::Table,
                            Pairings::FastFollowerId,
                            Participants::Table,
                            Cascade,
                        ))
                        .foreign_key(&mut fk(
                            Pairings::Table,
                            Pairings::ExemplarId,
                            Participants::Table,
                            Restrict,
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_pairings_fast_follower",
                Pairings::Table,
                &["fast_follower_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_pairings_exemplar",
                Pairings::Table,
                &["exemplar_id"],
                false,
            ))
            .await?;

        // Partnerships: a participant and a partner organisation with a role.
        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(Partnerships::Table)
                        .col(pk_auto(Partnerships::Id))
                        .col(integer(Partnerships::ParticipantId))
                        .col(integer(Partnerships::PartnerId))
                        .col(string_len(Partnerships::Role, 32))
                        .col(date_null(Partnerships::StartedOn))
                        .col(string_len_null(Partnerships::StartedPrecision, 8))
                        .col(date_null(Partnerships::EndedOn))
                        .col(string_len_null(Partnerships::EndedPrecision, 8))
                        .col(string_len(Partnerships::Confidence, 8))
                        .col(string_len_null(Partnerships::Source, 200))
                        .col(string_len_null(Partnerships::Note, 500))
                        .col(integer(Partnerships::Version).default(1))
                        .foreign_key(&mut fk(
                            Partnerships::Table,
                            Partnerships::ParticipantId,
                            Participants::Table,
                            Cascade,
                        ))
                        .foreign_key(&mut fk(
                            Partnerships::Table,
                            Partnerships::PartnerId,
                            Organisations::Table,
                            Restrict,
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_partnerships_participant_partner_role",
                Partnerships::Table,
                &["participant_id", "partner_id", "role"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_partnerships_partner",
                Partnerships::Table,
                &["partner_id"],
                false,
            ))
            .await?;

        // Funding caps: data, not code.
        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(FundingCaps::Table)
                        .col(pk_auto(FundingCaps::Id))
                        .col(string_len(FundingCaps::Role, 32))
                        .col(string_len(FundingCaps::Sector, 32))
                        .col(big_integer(FundingCaps::CapPence))
                        .col(string_len_null(FundingCaps::Source, 200))
                        .col(integer(FundingCaps::Version).default(1)),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_funding_caps_role_sector",
                FundingCaps::Table,
                &["role", "sector"],
                true,
            ))
            .await?;

        // Allocations, their financial-year profile and their tranches.
        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(Allocations::Table)
                        .col(pk_auto(Allocations::Id))
                        .col(integer(Allocations::ParticipantId))
                        .col(string_len(Allocations::Reference, 20))
                        .col(big_integer(Allocations::CentralPence))
                        .col(big_integer(Allocations::LocalMatchPence))
                        .col(date(Allocations::AwardedOn))
                        .col(boolean(Allocations::Illustrative).default(false))
                        .col(integer(Allocations::Version).default(1))
                        .foreign_key(&mut fk(
                            Allocations::Table,
                            Allocations::ParticipantId,
                            Participants::Table,
                            Restrict,
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_allocations_participant_reference",
                Allocations::Table,
                &["participant_id", "reference"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AllocationProfiles::Table)
                    .col(pk_auto(AllocationProfiles::Id))
                    .col(integer(AllocationProfiles::AllocationId))
                    // The first calendar year of the April–March year: 2017 is 2017/18.
                    .col(integer(AllocationProfiles::FinancialYear))
                    .col(big_integer(AllocationProfiles::AmountPence))
                    .foreign_key(&mut fk(
                        AllocationProfiles::Table,
                        AllocationProfiles::AllocationId,
                        Allocations::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_allocation_profiles_allocation_year",
                AllocationProfiles::Table,
                &["allocation_id", "financial_year"],
                true,
            ))
            .await?;

        // Users come before the tables that record who did what.
        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(Users::Table)
                        .col(pk_auto(Users::Id))
                        .col(string_len(Users::Email, 254))
                        .col(string_len(Users::Name, 200))
                        .col(string_len(Users::Role, 32))
                        .col(integer_null(Users::OrganisationId))
                        .col(string_len(Users::PasswordHash, 255))
                        .col(integer(Users::FailedSignIns).default(0))
                        .col(timestamp_with_time_zone_null(Users::LockedUntil))
                        .col(timestamp_with_time_zone_null(Users::DisabledAt))
                        .col(timestamp_with_time_zone_null(Users::LastSignInAt))
                        .col(integer(Users::Version).default(1))
                        .foreign_key(&mut fk(
                            Users::Table,
                            Users::OrganisationId,
                            Organisations::Table,
                            Restrict,
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_users_email", Users::Table, &["email"], true))
            .await?;

        // Milestones: what a participant committed to deliver.
        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(Milestones::Table)
                        .col(pk_auto(Milestones::Id))
                        .col(integer(Milestones::ParticipantId))
                        .col(string_len(Milestones::Reference, 20))
                        .col(string_len(Milestones::Title, 200))
                        .col(string_len(Milestones::Category, 32))
                        .col(date(Milestones::BaselineOn))
                        .col(date_null(Milestones::ForecastOn))
                        .col(date_null(Milestones::ActualOn))
                        .col(string_len(Milestones::Status, 16))
                        .col(date_null(Milestones::SignedOffOn))
                        .col(integer_null(Milestones::SignedOffBy))
                        .col(boolean(Milestones::Illustrative).default(false))
                        .col(integer(Milestones::Version).default(1))
                        .foreign_key(&mut fk(
                            Milestones::Table,
                            Milestones::ParticipantId,
                            Participants::Table,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            Milestones::Table,
                            Milestones::SignedOffBy,
                            Users::Table,
                            Restrict,
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_milestones_participant_reference",
                Milestones::Table,
                &["participant_id", "reference"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_milestones_status_forecast",
                Milestones::Table,
                &["status", "forecast_on"],
                false,
            ))
            .await?;

        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(Tranches::Table)
                        .col(pk_auto(Tranches::Id))
                        .col(integer(Tranches::AllocationId))
                        .col(string_len(Tranches::Name, 120))
                        .col(string_len(Tranches::Kind, 16))
                        .col(integer_null(Tranches::MilestoneId))
                        .col(big_integer(Tranches::AmountPence))
                        .col(date_null(Tranches::ReleasedOn))
                        .col(integer_null(Tranches::ReleasedBy))
                        .col(boolean(Tranches::Illustrative).default(false))
                        .col(integer(Tranches::Version).default(1))
                        .foreign_key(&mut fk(
                            Tranches::Table,
                            Tranches::AllocationId,
                            Allocations::Table,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            Tranches::Table,
                            Tranches::MilestoneId,
                            Milestones::Table,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            Tranches::Table,
                            Tranches::ReleasedBy,
                            Users::Table,
                            Restrict,
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_tranches_allocation_name",
                Tranches::Table,
                &["allocation_id", "name"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_tranches_milestone",
                Tranches::Table,
                &["milestone_id"],
                false,
            ))
            .await?;

        // Change control: baseline dates move only through an approved request.
        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(BaselineChangeRequests::Table)
                        .col(pk_auto(BaselineChangeRequests::Id))
                        .col(integer(BaselineChangeRequests::MilestoneId))
                        .col(date(BaselineChangeRequests::PreviousBaselineOn))
                        .col(date(BaselineChangeRequests::ProposedBaselineOn))
                        .col(text(BaselineChangeRequests::Reason))
                        .col(string_len(BaselineChangeRequests::Status, 16))
                        .col(integer(BaselineChangeRequests::RequestedBy))
                        .col(integer_null(BaselineChangeRequests::DecidedBy))
                        .col(timestamp_with_time_zone_null(
                            BaselineChangeRequests::DecidedAt,
                        ))
                        .col(text_null(BaselineChangeRequests::DecisionComment))
                        .foreign_key(&mut fk(
                            BaselineChangeRequests::Table,
                            BaselineChangeRequests::MilestoneId,
                            Milestones::Table,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            BaselineChangeRequests::Table,
                            BaselineChangeRequests::RequestedBy,
                            Users::Table,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            BaselineChangeRequests::Table,
                            BaselineChangeRequests::DecidedBy,
                            Users::Table,
                            Restrict,
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_baseline_change_requests_milestone",
                BaselineChangeRequests::Table,
                &["milestone_id", "status"],
                false,
            ))
            .await?;

        // Reporting periods and returns.
        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(ReportingPeriods::Table)
                        .col(pk_auto(ReportingPeriods::Id))
                        .col(string_len(ReportingPeriods::Label, 40))
                        .col(string_len(ReportingPeriods::Frequency, 16))
                        .col(date(ReportingPeriods::StartsOn))
                        .col(date(ReportingPeriods::EndsOn))
                        .col(date(ReportingPeriods::DueOn))
                        .col(string_len(ReportingPeriods::Status, 16))
                        .col(integer(ReportingPeriods::Version).default(1)),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_reporting_periods_label",
                ReportingPeriods::Table,
                &["label"],
                true,
            ))
            .await?;

        manager
            .create_table(
                created_updated(
                    Table::create()
                        .table(Returns::Table)
                        .col(pk_auto(Returns::Id))
                        .col(integer(Returns::PeriodId))
                        .col(integer(Returns::ParticipantId))
                        .col(string_len(Returns::Status, 16))
                        .col(big_integer_null(Returns::SpendToDatePence))
                        .col(string_len(Returns::RatingScale, 16))
                        .col(string_len_null(Returns::SelfRating, 16))
                        .col(text_null(Returns::RatingJustification))
                        .col(text_null(Returns::Narrative))
                        .col(string_len_null(Returns::OfficeRating, 16))
                        .col(text_null(Returns::OfficeComment))
                        .col(timestamp_with_time_zone_null(Returns::SubmittedAt))
                        .col(integer_null(Returns::SubmittedBy))
                        .col(timestamp_with_time_zone_null(Returns::ApprovedAt))
                        .col(integer_null(Returns::ApprovedBy))
                        .col(boolean(Returns::Illustrative).default(false))
                        .col(integer(Returns::Version).default(1))
                        .foreign_key(&mut fk(
                            Returns::Table,
                            Returns::PeriodId,
                            ReportingPeriods::Table,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            Returns::Table,
                            Returns::ParticipantId,
                            Participants::Table,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            Returns::Table,
                            Returns::SubmittedBy,
                            Users::Table,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            Returns::Table,
                            Returns::ApprovedBy,
                            Users::Table,
                            Restrict,
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_returns_period_participant",
                Returns::Table,
                &["period_id", "participant_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_returns_participant",
                Returns::Table,
                &["participant_id", "status"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReturnMilestoneUpdates::Table)
                    .col(pk_auto(ReturnMilestoneUpdates::Id))
                    .col(integer(ReturnMilestoneUpdates::ReturnId))
                    .col(integer(ReturnMilestoneUpdates::MilestoneId))
                    .col(date_null(ReturnMilestoneUpdates::ForecastOn))
                    .col(string_len(ReturnMilestoneUpdates::Status, 16))
                    .col(text_null(ReturnMilestoneUpdates::Comment))
                    .foreign_key(&mut fk(
                        ReturnMilestoneUpdates::Table,
                        ReturnMilestoneUpdates::ReturnId,
                        Returns::Table,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ReturnMilestoneUpdates::Table,
                        ReturnMilestoneUpdates::MilestoneId,
                        Milestones::Table,
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_return_milestone_updates_return_milestone",
                ReturnMilestoneUpdates::Table,
                &["return_id", "milestone_id"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReturnRisks::Table)
                    .col(pk_auto(ReturnRisks::Id))
                    .col(integer(ReturnRisks::ReturnId))
                    .col(integer(ReturnRisks::Position))
                    .col(text(ReturnRisks::Description))
                    .col(string_len(ReturnRisks::Rating, 16))
                    .col(text_null(ReturnRisks::Mitigation))
                    .foreign_key(&mut fk(
                        ReturnRisks::Table,
                        ReturnRisks::ReturnId,
                        Returns::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_return_risks_return_position",
                ReturnRisks::Table,
                &["return_id", "position"],
                true,
            ))
            .await?;

        // Maturity assessments: a dated score on a named scale.
        manager
            .create_table(
                Table::create()
                    .table(MaturityAssessments::Table)
                    .col(pk_auto(MaturityAssessments::Id))
                    .col(integer(MaturityAssessments::ParticipantId))
                    .col(string_len(MaturityAssessments::Scale, 16))
                    .col(integer(MaturityAssessments::Score))
                    .col(date(MaturityAssessments::AssessedOn))
                    .col(string_len(MaturityAssessments::AssessedPrecision, 8))
                    .col(string_len_null(MaturityAssessments::Source, 200))
                    .col(boolean(MaturityAssessments::Illustrative).default(false))
                    .col(timestamp_with_time_zone(MaturityAssessments::CreatedAt))
                    .foreign_key(&mut fk(
                        MaturityAssessments::Table,
                        MaturityAssessments::ParticipantId,
                        Participants::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_maturity_assessments_participant_scale_date",
                MaturityAssessments::Table,
                &["participant_id", "scale", "assessed_on"],
                true,
            ))
            .await?;

        // Sessions, API tokens and the audit trail.
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::Id, 128).primary_key())
                    .col(text(Sessions::Data))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_sessions_expires_at",
                Sessions::Table,
                &["expires_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_auto(ApiTokens::Id))
                    .col(integer(ApiTokens::UserId))
                    .col(string_len(ApiTokens::Name, 120))
                    .col(string_len(ApiTokens::TokenHash, 128))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(&mut fk(
                        ApiTokens::Table,
                        ApiTokens::UserId,
                        Users::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_api_tokens_token_hash",
                ApiTokens::Table,
                &["token_hash"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(integer_null(AuditEvents::UserId))
                    // Who acted, as text, so the record survives renames: a user's
                    // email, or "seed" / "system" for batch jobs.
                    .col(string_len(AuditEvents::Actor, 254))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(string_len(AuditEvents::EntityType, 64))
                    .col(string_len(AuditEvents::EntityId, 64))
                    .col(integer_null(AuditEvents::OrganisationId))
                    .col(text_null(AuditEvents::BeforeJson))
                    .col(text_null(AuditEvents::AfterJson))
                    .col(text_null(AuditEvents::Reason))
                    .foreign_key(&mut fk(
                        AuditEvents::Table,
                        AuditEvents::UserId,
                        Users::Table,
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        AuditEvents::Table,
                        AuditEvents::OrganisationId,
                        Organisations::Table,
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ix_audit_events_entity", &["entity_type", "entity_id"][..]),
            ("ix_audit_events_occurred_at", &["occurred_at"][..]),
            ("ix_audit_events_organisation", &["organisation_id"][..]),
            ("ix_audit_events_user", &["user_id"][..]),
        ] {
            manager
                .create_index(index(name, AuditEvents::Table, columns, false))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents.
        let tables: [DynIden; 19] = [
            AuditEvents::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            MaturityAssessments::Table.into_iden(),
            ReturnRisks::Table.into_iden(),
            ReturnMilestoneUpdates::Table.into_iden(),
            Returns::Table.into_iden(),
            ReportingPeriods::Table.into_iden(),
            BaselineChangeRequests::Table.into_iden(),
            Tranches::Table.into_iden(),
            Milestones::Table.into_iden(),
            AllocationProfiles::Table.into_iden(),
            Allocations::Table.into_iden(),
            FundingCaps::Table.into_iden(),
            Partnerships::Table.into_iden(),
            Pairings::Table.into_iden(),
            Participants::Table.into_iden(),
            Users::Table.into_iden(),
            Organisations::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    Id,
    OdsCode,
    Name,
    NameAtDesignation,
    Kind,
    Sector,
    RegionCode,
    #[sea_orm(iden = "region_code_2017")]
    RegionCode2017,
    CountryCode,
    OpenedOn,
    ClosedOn,
    SuccessorId,
    Source,
}

#[derive(DeriveIden, Clone, Copy)]
enum Participants {
    Table,
    Id,
    OrganisationId,
    Role,
    Sector,
    Wave,
    DesignatedOn,
    DesignatedPrecision,
    AccreditedOn,
    AccreditedPrecision,
    Status,
    Confidence,
    Source,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Pairings {
    Table,
    Id,
    FastFollowerId,
    ExemplarId,
    Confidence,
    Source,
}

#[derive(DeriveIden, Clone, Copy)]
enum Partnerships {
    Table,
    Id,
    ParticipantId,
    PartnerId,
    Role,
    StartedOn,
    StartedPrecision,
    EndedOn,
    EndedPrecision,
    Confidence,
    Source,
    Note,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum FundingCaps {
    Table,
    Id,
    Role,
    Sector,
    CapPence,
    Source,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Allocations {
    Table,
    Id,
    ParticipantId,
    Reference,
    CentralPence,
    LocalMatchPence,
    AwardedOn,
    Illustrative,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum AllocationProfiles {
    Table,
    Id,
    AllocationId,
    FinancialYear,
    AmountPence,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tranches {
    Table,
    Id,
    AllocationId,
    Name,
    Kind,
    MilestoneId,
    AmountPence,
    ReleasedOn,
    ReleasedBy,
    Illustrative,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Milestones {
    Table,
    Id,
    ParticipantId,
    Reference,
    Title,
    Category,
    BaselineOn,
    ForecastOn,
    ActualOn,
    Status,
    SignedOffOn,
    SignedOffBy,
    Illustrative,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum BaselineChangeRequests {
    Table,
    Id,
    MilestoneId,
    PreviousBaselineOn,
    ProposedBaselineOn,
    Reason,
    Status,
    RequestedBy,
    DecidedBy,
    DecidedAt,
    DecisionComment,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReportingPeriods {
    Table,
    Id,
    Label,
    Frequency,
    StartsOn,
    EndsOn,
    DueOn,
    Status,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Returns {
    Table,
    Id,
    PeriodId,
    ParticipantId,
    Status,
    SpendToDatePence,
    RatingScale,
    SelfRating,
    RatingJustification,
    Narrative,
    OfficeRating,
    OfficeComment,
    SubmittedAt,
    SubmittedBy,
    ApprovedAt,
    ApprovedBy,
    Illustrative,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReturnMilestoneUpdates {
    Table,
    Id,
    ReturnId,
    MilestoneId,
    ForecastOn,
    Status,
    Comment,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReturnRisks {
    Table,
    Id,
    ReturnId,
    Position,
    Description,
    Rating,
    Mitigation,
}

#[derive(DeriveIden, Clone, Copy)]
enum MaturityAssessments {
    Table,
    Id,
    ParticipantId,
    Scale,
    Score,
    AssessedOn,
    AssessedPrecision,
    Source,
    Illustrative,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    Role,
    OrganisationId,
    PasswordHash,
    FailedSignIns,
    LockedUntil,
    DisabledAt,
    LastSignInAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    Id,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    UserId,
    Actor,
    Action,
    EntityType,
    EntityId,
    OrganisationId,
    BeforeJson,
    AfterJson,
    Reason,
}
