//! When two names are the same name: the rule behind every "only one
//! organisation of this name" check, in forms, the seed loader and the
//! database's unique index (which holds the key computed here).
use std::fmt;

/// The form of a name that uniqueness is judged on: leading and trailing
/// whitespace (spaces, tabs, CR, LF, no-break spaces) removed, each inner run
/// of whitespace read as one space, and letters case-folded, so `Mayo Clinic`,
/// `\tMAYO  clinic\r` and `mayo clinic` are one name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKey(String);

impl NameKey {
    pub fn of(name: &str) -> NameKey {
        let mut key = String::with_capacity(name.len());
        for word in name.split_whitespace() {
            if !key.is_empty() {
                key.push(' ');
            }
            key.extend(word.chars().flat_map(char::to_lowercase));
        }
        NameKey(key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for NameKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// True when `a` and `b` name the same thing under [`NameKey`]'s rule.
pub fn same_name(a: &str, b: &str) -> bool {
    NameKey::of(a) == NameKey::of(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrounding_whitespace_of_any_kind_is_ignored() {
        for variant in [
            "Mayo Clinic",
            " Mayo Clinic ",
            "\tMayo Clinic",
            "\rMayo Clinic",
            "Mayo Clinic\r\n",
            "\u{a0}Mayo Clinic\u{a0}",
        ] {
            assert_eq!(NameKey::of(variant).as_str(), "mayo clinic", "{variant:?}");
        }
    }

    #[test]
    fn case_is_folded_beyond_ascii() {
        assert!(same_name("MAYO CLINIC", "mayo clinic"));
        assert!(same_name("Hôpital Ève", "HÔPITAL ÈVE"));
        assert!(same_name(
            "ÅRHUS UNIVERSITETSHOSPITAL",
            "århus universitetshospital"
        ));
    }

    #[test]
    fn inner_runs_of_whitespace_count_as_one_space() {
        assert!(same_name("Mayo  Clinic", "Mayo Clinic"));
        assert!(same_name("Mayo\tClinic", "Mayo Clinic"));
        assert_eq!(NameKey::of("a \t\r\n b").as_str(), "a b");
    }

    #[test]
    fn different_names_stay_different() {
        assert!(!same_name("Mayo Clinic", "Mayo Clinic Arizona"));
        assert!(!same_name("MayoClinic", "Mayo Clinic"));
        assert!(!same_name("St Mary's", "St Marys"));
    }

    #[test]
    fn blank_names_have_an_empty_key() {
        assert_eq!(NameKey::of(" \t\r\n").as_str(), "");
    }
}
