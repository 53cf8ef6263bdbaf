//! Typed settings read once from the environment and validated at start.
//! Every variable is documented in README.md and `.env.example`.
use std::net::SocketAddr;

/// The embedded default: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://gde.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:3000";

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://…` (embedded default) or `postgres://…`.
    pub database_url: String,
    /// `GDE_BIND`: the address `gde serve` listens on.
    pub bind: SocketAddr,
    /// `GDE_AUTO_SEED`: seed an empty database with the programme's data on start.
    pub auto_seed: bool,
    /// `GDE_DB_MAX_CONNECTIONS`: size of the connection pool.
    pub max_connections: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{variable} is {value:?}: {reason}")]
    Invalid {
        variable: &'static str,
        value: String,
        reason: String,
    },
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        validate_database_url(&database_url)?;
        let bind_text = get("GDE_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let bind = parse_bind("GDE_BIND", &bind_text)?;
        let auto_seed = match get("GDE_AUTO_SEED") {
            None => true,
            Some(v) => parse_bool("GDE_AUTO_SEED", &v)?,
        };
        let max_connections = match get("GDE_DB_MAX_CONNECTIONS") {
            None => 8,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(n) if (1..=200).contains(&n) => n,
                _ => {
                    return Err(ConfigError::Invalid {
                        variable: "GDE_DB_MAX_CONNECTIONS",
                        value: v,
                        reason: "expected a whole number from 1 to 200".into(),
                    });
                }
            },
        };
        Ok(Config {
            database_url,
            bind,
            auto_seed,
            max_connections,
        })
    }
}

pub fn validate_database_url(url: &str) -> Result<(), ConfigError> {
    if url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://")
    {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            variable: "DATABASE_URL",
            value: redact_password(url),
            reason: "expected a sqlite:// or postgres:// URL".into(),
        })
    }
}

pub fn parse_bind(variable: &'static str, text: &str) -> Result<SocketAddr, ConfigError> {
    text.trim().parse().map_err(|_| ConfigError::Invalid {
        variable,
        value: text.to_owned(),
        reason: "expected an address and port such as 127.0.0.1:3000".into(),
    })
}

fn parse_bool(variable: &'static str, text: &str) -> Result<bool, ConfigError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            variable,
            value: text.to_owned(),
            reason: "expected true or false".into(),
        }),
    }
}

/// Hides the password in a database URL before it is logged or shown.
pub fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_to_embedded_sqlite_on_localhost() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.bind.to_string(), "127.0.0.1:3000");
        assert!(c.auto_seed);
    }

    #[test]
    fn rejects_unknown_database_scheme_naming_the_variable() {
        let err = config(&[("DATABASE_URL", "mysql://u:secret@h/db")]).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("DATABASE_URL"), "{message}");
        assert!(!message.contains("secret"), "password leaked: {message}");
    }

    #[test]
    fn rejects_bad_bind_address_naming_the_variable() {
        let err = config(&[("GDE_BIND", "localhost")]).unwrap_err();
        assert!(err.to_string().starts_with("GDE_BIND"));
    }

    #[test]
    fn parses_auto_seed_flag() {
        assert!(!config(&[("GDE_AUTO_SEED", "false")]).unwrap().auto_seed);
        assert!(config(&[("GDE_AUTO_SEED", "maybe")]).is_err());
    }

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact_password("postgres://gde:pw@db:5432/gde"),
            "postgres://gde:***@db:5432/gde"
        );
        assert_eq!(redact_password("sqlite://gde.db"), "sqlite://gde.db");
    }
}
