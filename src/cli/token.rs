//! `gde token …`: API tokens from the server's command line.
use sea_orm::DatabaseConnection;

use super::TokenCommand;
use crate::services::api_tokens;
use crate::services::{By, ServiceError};

pub async fn run(db: &DatabaseConnection, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            user,
            name,
            expires,
        } => {
            let now = time::OffsetDateTime::now_utc();
            let token = api_tokens::create_for(
                db,
                &By::Cli,
                &user,
                &name,
                expires.as_deref().unwrap_or(""),
                now,
            )
            .await
            .map_err(explain)?;
            let until = match token.expires_on {
                Some(day) => format!("until the end of {day} (UTC)"),
                None => "until it is revoked".to_owned(),
            };
            eprintln!(
                "Token {} for {} works {until}; it acts as that account, with its role.\n\
                 It is shown once (only its hash is kept). Use it as: Authorization: Bearer <token>",
                token.id,
                user.trim()
            );
            println!("{}", token.secret);
            Ok(())
        }
    }
}

fn explain(error: ServiceError) -> anyhow::Error {
    match error {
        ServiceError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| {
                    let flag = match e.field.as_ref() {
                        "expires_on" => "--expires",
                        "user" => "--user",
                        other => other,
                    };
                    format!("{flag}: {}", e.message)
                })
                .collect::<Vec<_>>()
                .join("\n")
        ),
        other => anyhow::Error::new(other),
    }
}
