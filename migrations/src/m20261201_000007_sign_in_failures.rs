//! Failed sign-ins counted per sign-in name, for every name tried, whether or
//! not an account has it: so an unknown address is slowed exactly like a
//! real one, and every app instance on the database shares the count. The
//! name is stored as a hash, never as typed.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInFailures::Table)
                    .col(string_len(SignInFailures::Account, 64).primary_key())
                    .col(integer(SignInFailures::Failures))
                    // Unix seconds: compared as numbers on both databases.
                    .col(big_integer(SignInFailures::WindowStartedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInFailures::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    Account,
    Failures,
    WindowStartedAt,
}
