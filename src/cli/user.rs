//! `gde user …`: account administration from the server's command line.
use std::io::BufRead;

use anyhow::{Context, bail};
use sea_orm::DatabaseConnection;

use super::UserCommand;
use crate::auth::password;
use crate::services::users::{self, NewUser};
use crate::services::{By, ServiceError};

pub async fn run(db: &DatabaseConnection, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            email,
            name,
            role,
            organisation,
            password_stdin,
        } => {
            let (password, generated) = obtain_password(password_stdin)?;
            let created = users::add(
                db,
                &By::Cli,
                NewUser {
                    email,
                    name,
                    role,
                    organisation: organisation.unwrap_or_default(),
                    password: password.clone(),
                },
            )
            .await
            .map_err(explain)?;
            println!(
                "Added {} <{}> as {}.",
                created.name, created.email, created.role
            );
            if generated {
                println!("Password (shown once; give it to them securely): {password}");
            }
            Ok(())
        }
        UserCommand::SetPassword {
            email,
            password_stdin,
        } => {
            let account = users::account_by_email(db, &By::Cli, &email)
                .await
                .map_err(explain)?;
            let (password, generated) = obtain_password(password_stdin)?;
            users::set_password(db, &By::Cli, account.id, password.clone())
                .await
                .map_err(explain)?;
            println!(
                "Password set for {}; the account is unlocked.",
                account.email
            );
            if generated {
                println!("New password (shown once): {password}");
            }
            Ok(())
        }
        // Already so is not a failure (exit 0), so scripts may repeat these
        // safely; the message says nothing changed.
        UserCommand::Disable { email } => {
            let account = users::account_by_email(db, &By::Cli, &email)
                .await
                .map_err(explain)?;
            if users::change_disabled(db, &By::Cli, account.id, true)
                .await
                .map_err(explain)?
            {
                println!(
                    "Disabled {}: it can no longer sign in, and its sessions have ended.",
                    account.email
                );
            } else {
                println!("{} was already disabled; nothing changed.", account.email);
            }
            Ok(())
        }
        UserCommand::Enable { email } => {
            let account = users::account_by_email(db, &By::Cli, &email)
                .await
                .map_err(explain)?;
            if users::change_disabled(db, &By::Cli, account.id, false)
                .await
                .map_err(explain)?
            {
                println!(
                    "Enabled {}: it can sign in again with its password.",
                    account.email
                );
            } else {
                println!("{} is not disabled; nothing changed.", account.email);
            }
            Ok(())
        }
    }
}

/// The first line of standard input, or a generated password.
fn obtain_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((password::generate(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok((password, false))
}

/// Field errors as the command line's flags.
fn explain(error: ServiceError) -> anyhow::Error {
    match error {
        ServiceError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("{}: {}", flag(&e.field), e.message))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        ServiceError::NotFound => anyhow::anyhow!("no account has that email address"),
        other => anyhow::Error::new(other),
    }
}

/// The command-line flag a service field error is about. A password only
/// ever comes from standard input (a generated one always passes).
fn flag(field: &str) -> String {
    match field {
        "password" => "--password-stdin".to_owned(),
        other => format!("--{}", other.replace('_', "-")),
    }
}
