//! Change control for money: a request to change an allocation carries the
//! new figures and a reason, and is approved or rejected by the programme
//! office. Organisations gain a version for lost-update protection.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AllocationChangeRequests::Table)
                    .col(pk_auto(AllocationChangeRequests::Id))
                    .col(integer(AllocationChangeRequests::AllocationId))
                    .col(big_integer(AllocationChangeRequests::PreviousCentralPence))
                    .col(big_integer(AllocationChangeRequests::ProposedCentralPence))
                    .col(big_integer(
                        AllocationChangeRequests::PreviousLocalMatchPence,
                    ))
                    .col(big_integer(
                        AllocationChangeRequests::ProposedLocalMatchPence,
                    ))
                    // The new financial-year profile: {"2017": 250000000, …} in pence.
                    .col(text(AllocationChangeRequests::ProposedProfileJson))
                    .col(text(AllocationChangeRequests::Reason))
                    .col(string_len(AllocationChangeRequests::Status, 16))
                    .col(integer(AllocationChangeRequests::RequestedBy))
                    .col(integer_null(AllocationChangeRequests::DecidedBy))
                    .col(timestamp_with_time_zone_null(
                        AllocationChangeRequests::DecidedAt,
                    ))
                    .col(text_null(AllocationChangeRequests::DecisionComment))
                    .col(timestamp_with_time_zone(
                        AllocationChangeRequests::CreatedAt,
                    ))
                    .col(timestamp_with_time_zone(
                        AllocationChangeRequests::UpdatedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_allocation_change_requests_allocation_id")
                            .from(
                                AllocationChangeRequests::Table,
                                AllocationChangeRequests::AllocationId,
                            )
                            .to(Allocations::Table, Allocations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_allocation_change_requests_requested_by")
                            .from(
                                AllocationChangeRequests::Table,
                                AllocationChangeRequests::RequestedBy,
                            )
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_allocation_change_requests_decided_by")
                            .from(
                                AllocationChangeRequests::Table,
                                AllocationChangeRequests::DecidedBy,
                            )
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_allocation_change_requests_allocation")
                    .table(AllocationChangeRequests::Table)
                    .col(AllocationChangeRequests::AllocationId)
                    .col(AllocationChangeRequests::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .add_column(integer(Organisations::Version).default(1))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .drop_column(Organisations::Version)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(AllocationChangeRequests::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AllocationChangeRequests {
    Table,
    Id,
    AllocationId,
    PreviousCentralPence,
    ProposedCentralPence,
    PreviousLocalMatchPence,
    ProposedLocalMatchPence,
    ProposedProfileJson,
    Reason,
    Status,
    RequestedBy,
    DecidedBy,
    DecidedAt,
    DecisionComment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Allocations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Version,
}
