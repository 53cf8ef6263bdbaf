//! Who may see and change what: user roles, organisation scoping, sign-in
//! lockout and the password and email rules for accounts.
use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;

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

/// Repeated failed sign-ins slow down, then lock the account for a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures before the account locks.
    pub max_failures: i32,
    pub lock_for: time::Duration,
    /// Extra wait per failure beyond the second, capped at `max_delay`.
    pub delay_step: Duration,
    pub max_delay: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            lock_for: time::Duration::minutes(15),
            delay_step: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
        }
    }
}

/// What to do after a failed sign-in that took the count to `failures`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AfterFailure {
    pub delay: Duration,
    pub locked_until: Option<OffsetDateTime>,
}

impl LockoutPolicy {
    pub fn after_failure(&self, failures: i32, now: OffsetDateTime) -> AfterFailure {
        let extra = u32::try_from(failures.saturating_sub(2)).unwrap_or(0);
        let delay = self.delay_step.saturating_mul(extra).min(self.max_delay);
        let locked_until = (failures >= self.max_failures).then(|| now + self.lock_for);
        AfterFailure {
            delay,
            locked_until,
        }
    }

    pub fn is_locked(&self, locked_until: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
        locked_until.is_some_and(|until| until > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

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
    fn failures_slow_down_then_lock() {
        let policy = LockoutPolicy::default();
        let now = datetime!(2026-11-22 10:00 UTC);
        assert_eq!(policy.after_failure(1, now).delay, Duration::ZERO);
        assert_eq!(policy.after_failure(2, now).delay, Duration::ZERO);
        assert_eq!(
            policy.after_failure(3, now).delay,
            Duration::from_millis(250)
        );
        assert_eq!(policy.after_failure(4, now).locked_until, None);
        let locked = policy.after_failure(5, now).locked_until.unwrap();
        assert_eq!(locked, datetime!(2026-11-22 10:15 UTC));
        assert_eq!(policy.after_failure(50, now).delay, Duration::from_secs(2));
        assert!(policy.is_locked(Some(locked), now));
        assert!(!policy.is_locked(Some(locked), locked));
        assert!(!policy.is_locked(None, now));
    }
}
