//! Who may see and change what: user roles, organisation scoping, sign-in
//! lockout and the password and email rules for accounts.
use std::fmt;
use std::time::Duration;

code_enum! {
    /// What a signed-in person is allowed to do.
    pub enum UserRole ("user role") {
        /// Sets the programme up, signs milestones off, releases money: everything.
        ProgrammeOffice => "programme-office", "Programme office";
        /// Reports progress for one organisation and sees programme aggregates.
        TrustReporter => "trust-reporter", "Trust reporter";
        /// Reads dashboards, participant pages and briefings; changes nothing.
        BriefingReader => "briefing-reader", "Briefing reader";
    }
}

/// The signed-in person on whose behalf a service acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i32,
    pub email: String,
    pub role: UserRole,
    /// Set for trust reporters: the only organisation whose data they reach.
    pub organisation_id: Option<i32>,
}

/// Why a service refused: the resource must look absent, or the action is forbidden.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// Reported as "not found" so a reporter cannot learn that another trust's record exists.
    #[error("not found")]
    Hidden,
    #[error("{0}")]
    Forbidden(&'static str),
}

impl Actor {
    pub fn is_office(&self) -> bool {
        self.role == UserRole::ProgrammeOffice
    }

    /// May this person read the data of the organisation with this id?
    pub fn can_read_organisation(&self, organisation_id: i32) -> bool {
        match self.role {
            UserRole::ProgrammeOffice | UserRole::BriefingReader => true,
            UserRole::TrustReporter => self.organisation_id == Some(organisation_id),
        }
    }

    /// Reading one organisation's records: hidden (404) when out of scope.
    pub fn read_organisation(&self, organisation_id: i32) -> Result<(), AccessError> {
        if self.can_read_organisation(organisation_id) {
            Ok(())
        } else {
            Err(AccessError::Hidden)
        }
    }

    /// Changing programme set-up, money and sign-offs: the programme office only.
    pub fn change_programme(&self) -> Result<(), AccessError> {
        match self.role {
            UserRole::ProgrammeOffice => Ok(()),
            UserRole::TrustReporter | UserRole::BriefingReader => Err(AccessError::Forbidden(
                "Only the programme office can change the programme's records.",
            )),
        }
    }

    /// Changing an organisation's own reported data (returns): the office, or
    /// that organisation's reporter; a reporter elsewhere sees nothing.
    pub fn report_for(&self, organisation_id: i32) -> Result<(), AccessError> {
        match self.role {
            UserRole::ProgrammeOffice => Ok(()),
            UserRole::TrustReporter if self.organisation_id == Some(organisation_id) => Ok(()),
            UserRole::TrustReporter => Err(AccessError::Hidden),
            UserRole::BriefingReader => Err(AccessError::Forbidden(
                "Briefing readers can read but not change anything.",
            )),
        }
    }

    /// Managing accounts and reading the audit trail: the programme office only.
    pub fn administer(&self) -> Result<(), AccessError> {
        if self.is_office() {
            Ok(())
        } else {
            Err(AccessError::Forbidden(
                "Only the programme office can manage accounts and read the audit trail.",
            ))
        }
    }
}

/// A role and organisation must agree: reporters need one, others have none.
pub fn check_role_organisation(
    role: UserRole,
    organisation: Option<&str>,
) -> Result<(), &'static str> {
    match (role, organisation) {
        (UserRole::TrustReporter, None) => {
            Err("a trust reporter must be bound to an organisation (its ODS code)")
        }
        (UserRole::ProgrammeOffice | UserRole::BriefingReader, Some(_)) => {
            Err("only trust reporters are bound to an organisation")
        }
        _ => Ok(()),
    }
}

/// An email address used as a sign-in name: trimmed and lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, String> {
        let email = text.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter an email address".into());
        }
        if email.len() > 254 {
            return Err("Email address must be 254 characters or fewer".into());
        }
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if valid {
            Ok(Email(email))
        } else {
            Err("Enter an email address in the correct format, like name@example.nhs.uk".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Passwords: long enough to resist guessing, short enough to hash quickly.
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

pub fn check_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        Err(format!(
            "Password must be at least {MIN_PASSWORD_CHARS} characters long"
        ))
    } else if length > MAX_PASSWORD_CHARS {
        Err(format!(
            "Password must be {MAX_PASSWORD_CHARS} characters or fewer"
        ))
    } else {
        Ok(())
    }
}

/// How failed sign-ins are throttled. Failures are counted three ways:
///
/// - per client address and sign-in name (`pair_max_failures` within
///   `window`): that address may not try that name again until the window
///   ends; the person can still sign in from anywhere else;
/// - per client address, whatever the names (`address_max_failures` within
///   `window`): that address may not sign in at all until the window ends;
/// - per sign-in name, from every address, in the database (so every app
///   instance shares it): only ever slows the answer (`delay_step` per failure
///   past `free_failures`, at most `max_delay`), never locks, so a stranger
///   guessing cannot lock a person out.
///
/// Names are counted whether or not an account has them, and every refusal
/// checks a real Argon2 hash and waits at least `min_refusal`, so an unknown
/// address and a real account answer alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignInPolicy {
    pub pair_max_failures: u32,
    pub address_max_failures: u32,
    pub window: Duration,
    pub free_failures: u32,
    pub delay_step: Duration,
    pub max_delay: Duration,
    pub min_refusal: Duration,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            pair_max_failures: 5,
            address_max_failures: 100,
            window: Duration::from_secs(15 * 60),
            free_failures: 2,
            delay_step: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
            min_refusal: Duration::from_millis(250),
        }
    }
}

impl SignInPolicy {
    /// How long after the attempt began a refusal is answered, once the name
    /// has `failures` failures in the window (this one included).
    pub fn refusal_delay(&self, failures: u32) -> Duration {
        let extra = failures.saturating_sub(self.free_failures);
        self.delay_step
            .saturating_mul(extra)
            .min(self.max_delay)
            .max(self.min_refusal)
    }

    /// The answer time for an attempt refused without checking (a locked
    /// address, or address and name): the slowest there is.
    pub fn locked_delay(&self) -> Duration {
        self.max_delay.max(self.min_refusal)
    }

    /// The window in whole seconds, for the database count.
    pub fn window_secs(&self) -> i64 {
        i64::try_from(self.window.as_secs()).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: UserRole, organisation_id: Option<i32>) -> Actor {
        Actor {
            user_id: 1,
            email: "a@example.org".into(),
            role,
            organisation_id,
        }
    }

    #[test]
    fn reporters_read_only_their_own_organisation() {
        let reporter = actor(UserRole::TrustReporter, Some(7));
        assert!(reporter.read_organisation(7).is_ok());
        assert_eq!(reporter.read_organisation(8), Err(AccessError::Hidden));
        assert!(
            actor(UserRole::BriefingReader, None)
                .read_organisation(8)
                .is_ok()
        );
        assert!(
            actor(UserRole::ProgrammeOffice, None)
                .read_organisation(8)
                .is_ok()
        );
    }

    #[test]
    fn only_the_office_changes_the_programme() {
        assert!(
            actor(UserRole::ProgrammeOffice, None)
                .change_programme()
                .is_ok()
        );
        assert!(matches!(
            actor(UserRole::BriefingReader, None).change_programme(),
            Err(AccessError::Forbidden(_))
        ));
        assert!(matches!(
            actor(UserRole::TrustReporter, Some(1)).change_programme(),
            Err(AccessError::Forbidden(_))
        ));
    }

    #[test]
    fn reporting_is_scoped_and_readers_are_forbidden() {
        let reporter = actor(UserRole::TrustReporter, Some(7));
        assert!(reporter.report_for(7).is_ok());
        assert_eq!(reporter.report_for(8), Err(AccessError::Hidden));
        assert!(matches!(
            actor(UserRole::BriefingReader, None).report_for(7),
            Err(AccessError::Forbidden(_))
        ));
        assert!(actor(UserRole::ProgrammeOffice, None).report_for(7).is_ok());
    }

    #[test]
    fn roles_and_organisations_must_agree() {
        assert!(check_role_organisation(UserRole::TrustReporter, Some("RAL")).is_ok());
        assert!(check_role_organisation(UserRole::TrustReporter, None).is_err());
        assert!(check_role_organisation(UserRole::BriefingReader, Some("RAL")).is_err());
        assert!(check_role_organisation(UserRole::ProgrammeOffice, None).is_ok());
    }

    #[test]
    fn role_codes_are_the_cli_spellings() {
        assert_eq!(
            UserRole::from_code("programme-office").unwrap(),
            UserRole::ProgrammeOffice
        );
        assert!(UserRole::from_code("admin").is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Jo.Bloggs@NHS.net ").unwrap().as_str(),
            "jo.bloggs@nhs.net"
        );
        for bad in [
            "",
            "jo",
            "jo@",
            "@nhs.net",
            "jo@nhs",
            "jo@@nhs.net",
            "jo bloggs@nhs.net",
            "jo@nhs.net.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn passwords_have_a_length_window() {
        assert!(check_password("short").is_err());
        assert!(check_password(&"x".repeat(MIN_PASSWORD_CHARS - 1)).is_err());
        assert!(check_password(&"x".repeat(MIN_PASSWORD_CHARS)).is_ok());
        assert!(check_password(&"x".repeat(MAX_PASSWORD_CHARS)).is_ok());
        assert!(check_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }

    #[test]
    fn account_failures_only_ever_slow_the_answer() {
        let policy = SignInPolicy::default();
        let floor = Duration::from_millis(250);
        assert_eq!(policy.refusal_delay(1), floor);
        assert_eq!(policy.refusal_delay(2), floor);
        assert_eq!(policy.refusal_delay(3), floor);
        assert_eq!(policy.refusal_delay(4), Duration::from_millis(500));
        assert_eq!(policy.refusal_delay(10), Duration::from_secs(2));
        assert_eq!(policy.refusal_delay(u32::MAX), Duration::from_secs(2));
        assert_eq!(policy.locked_delay(), Duration::from_secs(2));
        let quick = SignInPolicy {
            max_delay: Duration::ZERO,
            ..policy
        };
        assert_eq!(quick.refusal_delay(50), floor);
        assert_eq!(quick.locked_delay(), floor);
    }
}
