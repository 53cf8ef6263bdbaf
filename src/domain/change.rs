//! Change control: baselines and allocations move only through a request with
//! a reason, decided by the programme office, and never by the person who asked.

code_enum! {
    /// Where a change request stands.
    pub enum RequestStatus ("change request status") {
        Pending => "pending", "Awaiting decision";
        Approved => "approved", "Approved";
        Rejected => "rejected", "Rejected";
    }
}

code_enum! {
    /// The programme office's answer to a request.
    pub enum Decision ("decision") {
        Approve => "approve", "Approve";
        Reject => "reject", "Reject";
    }
}

/// Shortest reason accepted: enough to say why, not "x".
pub const MIN_REASON_CHARS: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error(
        "Give a reason of at least {MIN_REASON_CHARS} characters saying why the change is needed"
    )]
    ReasonTooShort,
    #[error("This request has already been decided ({0})")]
    AlreadyDecided(&'static str),
    #[error("You asked for this change, so someone else in the programme office must decide it")]
    OwnRequest,
    #[error("A comment is needed when rejecting a request, so the requester knows why")]
    RejectionNeedsComment,
    #[error("The proposed value is the same as the current one, so there is nothing to change")]
    NoChange,
}

pub fn check_reason(reason: &str) -> Result<(), ChangeError> {
    if reason.trim().chars().count() < MIN_REASON_CHARS {
        Err(ChangeError::ReasonTooShort)
    } else {
        Ok(())
    }
}

/// A pending request, decided by someone other than the requester; a
/// rejection explains itself.
pub fn check_decision(
    status: RequestStatus,
    requested_by: i32,
    decided_by: i32,
    decision: Decision,
    comment: &str,
) -> Result<(), ChangeError> {
    if status != RequestStatus::Pending {
        return Err(ChangeError::AlreadyDecided(status.label()));
    }
    if requested_by == decided_by {
        return Err(ChangeError::OwnRequest);
    }
    if decision == Decision::Reject && comment.trim().is_empty() {
        return Err(ChangeError::RejectionNeedsComment);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_must_say_something() {
        assert_eq!(check_reason("late"), Err(ChangeError::ReasonTooShort));
        assert_eq!(
            check_reason("          x"),
            Err(ChangeError::ReasonTooShort)
        );
        assert!(check_reason("Supplier delay to go-live").is_ok());
    }

    #[test]
    fn nobody_approves_their_own_request() {
        assert_eq!(
            check_decision(RequestStatus::Pending, 7, 7, Decision::Approve, ""),
            Err(ChangeError::OwnRequest)
        );
        assert!(check_decision(RequestStatus::Pending, 7, 8, Decision::Approve, "").is_ok());
    }

    #[test]
    fn decided_requests_stay_decided() {
        assert_eq!(
            check_decision(RequestStatus::Approved, 7, 8, Decision::Reject, "no"),
            Err(ChangeError::AlreadyDecided("Approved"))
        );
    }

    #[test]
    fn rejections_need_a_comment() {
        assert_eq!(
            check_decision(RequestStatus::Pending, 7, 8, Decision::Reject, "  "),
            Err(ChangeError::RejectionNeedsComment)
        );
        assert!(
            check_decision(
                RequestStatus::Pending,
                7,
                8,
                Decision::Reject,
                "Not justified"
            )
            .is_ok()
        );
    }
}
