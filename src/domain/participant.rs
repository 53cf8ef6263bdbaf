//! Who takes part in the programme and in what capacity.

pub use super::code::UnknownCode;

code_enum! {
    /// A participant's place in the programme.
    pub enum Role ("participant role") {
        /// A trust funded to become internationally excellent and write the
        /// blueprints others follow.
        GlobalDigitalExemplar => "global_digital_exemplar", "Global digital exemplar";
        /// A trust paired with an exemplar to reuse its blueprints, faster
        /// and more cheaply.
        FastFollower => "fast_follower", "Fast follower";
    }
}

impl Role {
    /// The HIMSS EMRAM stage the role aims at: exemplars 7, fast followers 5.
    pub const fn maturity_target(self) -> u8 {
        match self {
            Role::GlobalDigitalExemplar => 7,
            Role::FastFollower => 5,
        }
    }
}

code_enum! {
    /// The kind of care a trust provides; caps differ by sector.
    pub enum Sector ("sector") {
        Acute => "acute", "Acute";
        MentalHealth => "mental_health", "Mental health";
        Community => "community", "Community";
        Ambulance => "ambulance", "Ambulance";
    }
}

code_enum! {
    /// Where a participant stands in the programme.
    pub enum ParticipantStatus ("participant status") {
        Active => "active", "Active";
        /// Has met the exemplar standard and been accredited.
        Accredited => "accredited", "Accredited";
        Withdrawn => "withdrawn", "Withdrawn";
    }
}

code_enum! {
    /// What sort of body an organisation is.
    pub enum OrganisationKind ("organisation kind") {
        NhsTrust => "nhs_trust", "NHS trust";
        /// An international healthcare organisation.
        HealthcareProvider => "healthcare_provider", "Healthcare provider";
        Supplier => "supplier", "Supplier";
        University => "university", "University";
    }
}

code_enum! {
    /// What a partner organisation does for a participant.
    pub enum PartnershipRole ("partnership role") {
        InternationalPartner => "international_partner", "International partner";
        EprSupplier => "epr_supplier", "EPR supplier";
        AcademicPartner => "academic_partner", "Academic partner";
    }
}

code_enum! {
    /// How sure we are of a fact, e.g. one taken from a public source.
    pub enum Confidence ("confidence level") {
        High => "high", "High";
        Medium => "medium", "Medium";
        Low => "low", "Low";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::code::tests::check_codes;

    #[test]
    fn all_codes_round_trip() {
        check_codes(Role::ALL, Role::CODES);
        check_codes(Sector::ALL, Sector::CODES);
        check_codes(ParticipantStatus::ALL, ParticipantStatus::CODES);
        check_codes(OrganisationKind::ALL, OrganisationKind::CODES);
        check_codes(PartnershipRole::ALL, PartnershipRole::CODES);
        check_codes(Confidence::ALL, Confidence::CODES);
    }

    #[test]
    fn storage_codes_are_fixed() {
        assert_eq!(Role::CODES, ["global_digital_exemplar", "fast_follower"]);
        assert_eq!(
            Sector::CODES,
            ["acute", "mental_health", "community", "ambulance"]
        );
        assert_eq!(
            ParticipantStatus::CODES,
            ["active", "accredited", "withdrawn"]
        );
        assert_eq!(
            OrganisationKind::CODES,
            ["nhs_trust", "healthcare_provider", "supplier", "university"]
        );
        assert_eq!(
            PartnershipRole::CODES,
            ["international_partner", "epr_supplier", "academic_partner"]
        );
        assert_eq!(Confidence::CODES, ["high", "medium", "low"]);
    }

    #[test]
    fn labels() {
        assert_eq!(
            Role::GlobalDigitalExemplar.label(),
            "Global digital exemplar"
        );
        assert_eq!(Role::FastFollower.label(), "Fast follower");
        assert_eq!(Sector::MentalHealth.label(), "Mental health");
        assert_eq!(PartnershipRole::EprSupplier.to_string(), "EPR supplier");
    }

    #[test]
    fn unknown_code_lists_allowed() {
        assert_eq!(
            Sector::from_code("Acute").unwrap_err().to_string(),
            "\"Acute\" is not a known sector; use one of: acute, mental_health, community, ambulance"
        );
        assert_eq!(
            Role::from_code("gde").unwrap_err().to_string(),
            "\"gde\" is not a known participant role; use one of: global_digital_exemplar, fast_follower"
        );
    }

    #[test]
    fn maturity_targets() {
        assert_eq!(Role::GlobalDigitalExemplar.maturity_target(), 7);
        assert_eq!(Role::FastFollower.maturity_target(), 5);
    }
}
