//! Typed settings read once from the environment and validated at start.
//! Every variable is documented in README.md and `.env.example`.
use std::net::SocketAddr;
use std::time::Duration;

use crate::domain::access::SignInPolicy;
use crate::domain::network::Cidr;

/// The embedded default: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://gde.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:3000";
/// The log filter when `RUST_LOG` is not set.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn";

/// How log lines are written to standard error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event (colour only on a terminal).
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

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
    /// `GDE_360G_PREFIX`, `GDE_360G_FUNDER_ID`, `GDE_360G_FUNDER_NAME`,
    /// `GDE_360G_ILLUSTRATIVE`: who publishes the 360Giving file, and whether
    /// it leaves illustrative records out or flags them. Completeness is
    /// checked when the file is asked for, so the app starts without them.
    pub open_data: crate::reports::giving360::Publisher,
    /// `GDE_360G_PUBLIC`: `/open-data/360giving.json` answers anyone, signed
    /// in or not (default false: the programme office only).
    pub open_data_public: bool,
    /// `GDE_API_RATE_PER_MINUTE`: requests one API token may make a minute,
    /// counted by each app instance separately.
    pub api_rate_per_minute: u32,
    /// `GDE_TRUSTED_PROXIES`: addresses or CIDR blocks of reverse proxies
    /// whose `X-Forwarded-For` is believed; empty (the default) believes none.
    pub trusted_proxies: Vec<Cidr>,
    /// `GDE_SIGNIN_*`: how failed sign-ins are throttled (see `SignInPolicy`).
    pub sign_in: SignInPolicy,
    /// `GDE_REQUEST_TIMEOUT_SECS`: a request still running after this long is
    /// answered 503.
    pub request_timeout: Duration,
    /// `GDE_LOG_FORMAT`: `text` (default) or `json`.
    pub log_format: LogFormat,
    /// `RUST_LOG`: the log filter, in tracing's `EnvFilter` syntax.
    pub log_filter: String,
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
        let illustrative_text =
            get("GDE_360G_ILLUSTRATIVE").unwrap_or_else(|| "exclude".to_owned());
        let open_data = crate::reports::giving360::Publisher {
            prefix: get("GDE_360G_PREFIX").unwrap_or_default(),
            funder_id: get("GDE_360G_FUNDER_ID").unwrap_or_default(),
            funder_name: get("GDE_360G_FUNDER_NAME").unwrap_or_else(|| "NHS England".to_owned()),
            illustrative: crate::reports::giving360::IllustrativePolicy::parse(&illustrative_text)
                .map_err(|reason| ConfigError::Invalid {
                    variable: "GDE_360G_ILLUSTRATIVE",
                    value: illustrative_text.clone(),
                    reason,
                })?,
        };
        let open_data_public = match get("GDE_360G_PUBLIC") {
            None => false,
            Some(v) => parse_bool("GDE_360G_PUBLIC", &v)?,
        };
        let api_rate_per_minute = u32::try_from(parse_range(
            get("GDE_API_RATE_PER_MINUTE"),
            "GDE_API_RATE_PER_MINUTE",
            120,
            1,
            100_000,
        )?)
        .unwrap_or(120);
        let trusted_proxies = match get("GDE_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(v) => parse_proxies("GDE_TRUSTED_PROXIES", &v)?,
        };
        let sign_in = sign_in_policy(&get)?;
        let request_timeout = Duration::from_secs(
            parse_range(
                get("GDE_REQUEST_TIMEOUT_SECS"),
                "GDE_REQUEST_TIMEOUT_SECS",
                30,
                1,
                3600,
            )?
            .unsigned_abs(),
        );
        let log_format = match get("GDE_LOG_FORMAT") {
            None => LogFormat::Text,
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => {
                    return Err(ConfigError::Invalid {
                        variable: "GDE_LOG_FORMAT",
                        value: v,
                        reason: "expected text or json".into(),
                    });
                }
            },
        };
        let log_filter = match get("RUST_LOG") {
            None => DEFAULT_LOG_FILTER.to_owned(),
            Some(v) => match tracing_subscriber::EnvFilter::builder().parse(v.trim()) {
                Ok(_) => v.trim().to_owned(),
                Err(error) => {
                    return Err(ConfigError::Invalid {
                        variable: "RUST_LOG",
                        value: v,
                        reason: format!("not a log filter ({error}); try info or gde=debug,info"),
                    });
                }
            },
        };
        Ok(Config {
            trusted_proxies,
            sign_in,
            request_timeout,
            log_format,
            log_filter,
            rating_scale,
            open_data,
            open_data_public,
            api_rate_per_minute,
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

/// Addresses or CIDR blocks separated by commas or spaces.
fn parse_proxies(variable: &'static str, text: &str) -> Result<Vec<Cidr>, ConfigError> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<Cidr>().map_err(|reason| ConfigError::Invalid {
                variable,
                value: text.to_owned(),
                reason: format!(
                    "{reason}; expected addresses or CIDR blocks such as 10.0.0.0/8, ::1"
                ),
            })
        })
        .collect()
}

/// The `GDE_SIGNIN_*` variables, each defaulting to `SignInPolicy::default()`.
fn sign_in_policy(get: &impl Fn(&str) -> Option<String>) -> Result<SignInPolicy, ConfigError> {
    let d = SignInPolicy::default();
    let count = |name: &'static str, default: u32, max: i64| {
        parse_range(get(name), name, i64::from(default), 1, max)
            .map(|n| u32::try_from(n).unwrap_or(default))
    };
    let millis = |name: &'static str, default: Duration, max: i64| {
        let default = i64::try_from(default.as_millis()).unwrap_or(0);
        parse_range(get(name), name, default, 0, max)
            .map(|n| Duration::from_millis(n.unsigned_abs()))
    };
    Ok(SignInPolicy {
        pair_max_failures: count("GDE_SIGNIN_MAX_FAILURES", d.pair_max_failures, 1000)?,
        address_max_failures: count(
            "GDE_SIGNIN_ADDRESS_MAX_FAILURES",
            d.address_max_failures,
            1_000_000,
        )?,
        window: Duration::from_secs(
            60 * parse_range(
                get("GDE_SIGNIN_WINDOW_MINUTES"),
                "GDE_SIGNIN_WINDOW_MINUTES",
                i64::try_from(d.window.as_secs() / 60).unwrap_or(15),
                1,
                1440,
            )?
            .unsigned_abs(),
        ),
        free_failures: d.free_failures,
        delay_step: millis("GDE_SIGNIN_DELAY_STEP_MS", d.delay_step, 10_000)?,
        max_delay: millis("GDE_SIGNIN_MAX_DELAY_MS", d.max_delay, 60_000)?,
        min_refusal: millis("GDE_SIGNIN_MIN_REFUSAL_MS", d.min_refusal, 10_000)?,
    })
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
    fn trusted_proxies_are_addresses_or_blocks() {
        assert!(config(&[]).unwrap().trusted_proxies.is_empty());
        let c = config(&[("GDE_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 ::1")]).unwrap();
        assert_eq!(c.trusted_proxies.len(), 3);
        let err = config(&[("GDE_TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal")]).unwrap_err();
        assert!(err.to_string().starts_with("GDE_TRUSTED_PROXIES"), "{err}");
    }

    #[test]
    fn sign_in_throttling_is_configurable() {
        assert_eq!(config(&[]).unwrap().sign_in, SignInPolicy::default());
        let c = config(&[
            ("GDE_SIGNIN_MAX_FAILURES", "3"),
            ("GDE_SIGNIN_ADDRESS_MAX_FAILURES", "40"),
            ("GDE_SIGNIN_WINDOW_MINUTES", "5"),
            ("GDE_SIGNIN_DELAY_STEP_MS", "0"),
            ("GDE_SIGNIN_MAX_DELAY_MS", "500"),
            ("GDE_SIGNIN_MIN_REFUSAL_MS", "100"),
        ])
        .unwrap();
        assert_eq!(c.sign_in.pair_max_failures, 3);
        assert_eq!(c.sign_in.address_max_failures, 40);
        assert_eq!(c.sign_in.window, Duration::from_secs(300));
        assert_eq!(c.sign_in.delay_step, Duration::ZERO);
        assert_eq!(c.sign_in.max_delay, Duration::from_millis(500));
        assert_eq!(c.sign_in.min_refusal, Duration::from_millis(100));
        for (name, bad) in [
            ("GDE_SIGNIN_MAX_FAILURES", "0"),
            ("GDE_SIGNIN_WINDOW_MINUTES", "forever"),
            ("GDE_SIGNIN_MAX_DELAY_MS", "-1"),
        ] {
            let err = config(&[(name, bad)]).unwrap_err();
            assert!(err.to_string().starts_with(name), "{err}");
        }
    }

    #[test]
    fn logging_and_timeout_settings_name_their_variable() {
        let c = config(&[]).unwrap();
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.log_filter, DEFAULT_LOG_FILTER);
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        let c = config(&[("GDE_LOG_FORMAT", "JSON"), ("RUST_LOG", "gde=debug,info")]).unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.log_filter, "gde=debug,info");
        for (name, bad) in [
            ("GDE_LOG_FORMAT", "yaml"),
            ("RUST_LOG", "gde=loud"),
            ("GDE_REQUEST_TIMEOUT_SECS", "0"),
        ] {
            let err = config(&[(name, bad)]).unwrap_err();
            assert!(err.to_string().starts_with(name), "{err}");
        }
    }

    #[test]
    fn every_variable_is_documented_in_the_example_file() {
        let example = include_str!("../.env.example");
        let source = include_str!("config.rs");
        let mut names: Vec<&str> = source
            .match_indices('"')
            .filter_map(|(at, _)| {
                let rest = &source[at + 1..];
                let name = &rest[..rest.find('"')?];
                let is_variable =
                    (name.starts_with("GDE_") || name == "DATABASE_URL" || name == "RUST_LOG")
                        && !name.ends_with('_')
                        && name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
                is_variable.then_some(name)
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        assert!(names.len() >= 18, "{names:?}");
        for name in names {
            assert!(
                example.contains(&format!("{name}=")),
                "{name} is not in .env.example"
            );
        }
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
