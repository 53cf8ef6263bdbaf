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
    /// `GDE_PUBLIC_URL`: the origin users reach the app at (e.g.
    /// `https://gde.example.nhs.uk`). When set, form posts must come from it,
    /// and an `https` origin marks cookies `Secure`.
    pub public_origin: Option<String>,
    /// `GDE_SESSION_IDLE_MINUTES`: sign out after this long without a request.
    pub session_idle_minutes: i64,
    /// `GDE_SESSION_ABSOLUTE_HOURS`: sign out this long after signing in, however busy.
    pub session_absolute_hours: i64,
    /// `GDE_RATING_SCALE`: `rag` (default) or `five_point`, for new returns.
    pub rating_scale: crate::domain::rating::RatingScale,
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
        let public_origin = get("GDE_PUBLIC_URL")
            .map(|v| parse_origin("GDE_PUBLIC_URL", &v))
            .transpose()?;
        let session_idle_minutes = parse_range(
            get("GDE_SESSION_IDLE_MINUTES"),
            "GDE_SESSION_IDLE_MINUTES",
            30,
            1,
            1440,
        )?;
        let session_absolute_hours = parse_range(
            get("GDE_SESSION_ABSOLUTE_HOURS"),
            "GDE_SESSION_ABSOLUTE_HOURS",
            12,
            1,
            168,
        )?;
        let rating_scale = match get("GDE_RATING_SCALE") {
            None => crate::domain::rating::RatingScale::Rag,
            Some(v) => crate::domain::rating::RatingScale::from_code(v.trim()).map_err(|_| {
                ConfigError::Invalid {
                    variable: "GDE_RATING_SCALE",
                    value: v.clone(),
                    reason: "expected rag or five_point".into(),
                }
            })?,
        };
        Ok(Config {
            rating_scale,
            database_url,
            bind,
            auto_seed,
            max_connections,
            public_origin,
            session_idle_minutes,
            session_absolute_hours,
        })
    }
}

impl Config {
    /// Cookies carry `Secure` when the public origin is HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }
}

fn parse_range(
    value: Option<String>,
    variable: &'static str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError::Invalid {
                variable,
                value: v,
                reason: format!("expected a whole number from {min} to {max}"),
            }),
        },
    }
}

/// `https://host[:port]` or `http://host[:port]`, without a path.
fn parse_origin(variable: &'static str, text: &str) -> Result<String, ConfigError> {
    let trimmed = text.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains('/') => Ok(trimmed.to_owned()),
        _ => Err(ConfigError::Invalid {
            variable,
            value: text.to_owned(),
            reason: "expected an origin such as https://gde.example.nhs.uk (no path)".into(),
        }),
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
    fn public_origin_sets_secure_cookies() {
        let c = config(&[("GDE_PUBLIC_URL", "https://gde.example.nhs.uk/")]).unwrap();
        assert_eq!(
            c.public_origin.as_deref(),
            Some("https://gde.example.nhs.uk")
        );
        assert!(c.secure_cookies());
        assert!(!config(&[]).unwrap().secure_cookies());
        assert!(config(&[("GDE_PUBLIC_URL", "gde.example.nhs.uk")]).is_err());
        assert!(config(&[("GDE_PUBLIC_URL", "https://x.org/app")]).is_err());
    }

    #[test]
    fn session_timeouts_have_bounds() {
        assert_eq!(config(&[]).unwrap().session_idle_minutes, 30);
        assert!(config(&[("GDE_SESSION_IDLE_MINUTES", "0")]).is_err());
        assert_eq!(
            config(&[("GDE_SESSION_ABSOLUTE_HOURS", "8")])
                .unwrap()
                .session_absolute_hours,
            8
        );
    }

    #[test]
    fn rating_scale_defaults_to_rag() {
        use crate::domain::rating::RatingScale;
        assert_eq!(config(&[]).unwrap().rating_scale, RatingScale::Rag);
        assert_eq!(
            config(&[("GDE_RATING_SCALE", "five_point")])
                .unwrap()
                .rating_scale,
            RatingScale::FivePoint
        );
        assert!(config(&[("GDE_RATING_SCALE", "traffic")]).is_err());
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
