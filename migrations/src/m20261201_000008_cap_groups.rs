//! Caps shared by a group of participants: the three ambulance exemplars
//! shared one £5m pot, on top of each trust's own cap. `cap_groups` holds the
//! group and its cap (versioned, so a writer can claim the row: lock order
//! group, participant, allocation); `cap_group_members` puts a participant
//! in a group, at most one group each (unique index).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CapGroups::Table)
                    .col(pk_auto(CapGroups::Id))
                    .col(string_len(CapGroups::Name, 80))
                    .col(big_integer(CapGroups::CapPence))
                    .col(string_len_null(CapGroups::Source, 200))
                    .col(integer(CapGroups::Version).default(1))
                    .col(timestamp_with_time_zone(CapGroups::CreatedAt))
                    .col(timestamp_with_time_zone(CapGroups::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_cap_groups_name")
                    .table(CapGroups::Table)
                    .col(CapGroups::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CapGroupMembers::Table)
                    .col(pk_auto(CapGroupMembers::Id))
                    .col(integer(CapGroupMembers::GroupId))
                    .col(integer(CapGroupMembers::ParticipantId))
                    .col(string_len_null(CapGroupMembers::Source, 200))
                    .col(timestamp_with_time_zone(CapGroupMembers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cap_group_members_group_id")
                            .from(CapGroupMembers::Table, CapGroupMembers::GroupId)
                            .to(CapGroups::Table, CapGroups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cap_group_members_participant_id")
                            .from(CapGroupMembers::Table, CapGroupMembers::ParticipantId)
                            .to(Participants::Table, Participants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One group per participant.
        manager
            .create_index(
                Index::create()
                    .name("ux_cap_group_members_participant")
                    .table(CapGroupMembers::Table)
                    .col(CapGroupMembers::ParticipantId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_cap_group_members_group")
                    .table(CapGroupMembers::Table)
                    .col(CapGroupMembers::GroupId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CapGroupMembers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CapGroups::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CapGroups {
    Table,
    Id,
    Name,
    CapPence,
    Source,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CapGroupMembers {
    Table,
    Id,
    GroupId,
    ParticipantId,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Participants {
    Table,
    Id,
}
