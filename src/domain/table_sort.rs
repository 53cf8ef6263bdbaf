//! Sorting the tables people want to sort (the overview's participant
//! tables, the returns queue's latest period) by a column named in the
//! query string: `?sort=allocated&dir=desc`. Header links flip the sorted
//! column's direction; pages work without JavaScript.
use std::cmp::Ordering;

use crate::domain::programme::ParticipantSummary;
use crate::domain::rating::Rating;
use crate::domain::reporting::{ReportState, ReturnStatus};

/// The columns of one kind of table.
pub trait Column: Copy + Eq + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
}

/// Which column a table is sorted by, and which way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SortOrder<K> {
    pub key: K,
    pub descending: bool,
}

impl<K: Column> SortOrder<K> {
    /// From the query string's `sort` and `dir` as typed; empty means the default.
    pub fn parse(sort: Option<&str>, dir: Option<&str>, default: K) -> Result<Self, String> {
        fn chosen(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let key = match chosen(sort) {
            None => default,
            Some(code) => K::ALL
                .iter()
                .copied()
                .find(|k| k.code() == code)
                .ok_or_else(|| {
                    let allowed: Vec<&str> = K::ALL.iter().map(|k| k.code()).collect();
                    format!(
                        "sort: {code:?} is not a column you can sort by; use one of {}",
                        allowed.join(", ")
                    )
                })?,
        };
        let descending = match chosen(dir) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(format!(
                    "dir: {other:?} is not a sort direction; use asc or desc"
                ));
            }
        };
        Ok(SortOrder { key, descending })
    }

    /// The order a header link for `key` asks for: the sorted column
    /// flips, any other starts ascending.
    pub fn toggled(self, key: K) -> SortOrder<K> {
        SortOrder {
            key,
            descending: self.key == key && !self.descending,
        }
    }

    pub fn dir_code(self) -> &'static str {
        if self.descending { "desc" } else { "asc" }
    }

    /// `aria-sort` for a header: only the sorted column has one.
    pub fn aria_sort(self, key: K) -> Option<&'static str> {
        (self.key == key).then_some(if self.descending {
            "descending"
        } else {
            "ascending"
        })
    }

    fn apply(self, ordering: Ordering) -> Ordering {
        if self.descending {
            ordering.reverse()
        } else {
            ordering
        }
    }
}

/// The overview's participant tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParticipantColumn {
    Ods,
    Trust,
    Sector,
    Wave,
    Pairing,
    Allocated,
    Released,
    Overdue,
}

impl Column for ParticipantColumn {
    const ALL: &'static [Self] = &[
        ParticipantColumn::Ods,
        ParticipantColumn::Trust,
        ParticipantColumn::Sector,
        ParticipantColumn::Wave,
        ParticipantColumn::Pairing,
        ParticipantColumn::Allocated,
        ParticipantColumn::Released,
        ParticipantColumn::Overdue,
    ];

    fn code(self) -> &'static str {
        match self {
            ParticipantColumn::Ods => "ods",
            ParticipantColumn::Trust => "name",
            ParticipantColumn::Sector => "sector",
            ParticipantColumn::Wave => "wave",
            ParticipantColumn::Pairing => "pairing",
            ParticipantColumn::Allocated => "allocated",
            ParticipantColumn::Released => "released",
            ParticipantColumn::Overdue => "overdue",
        }
    }
}

/// Sorts participant rows; ties fall back to the name so the order is stable.
pub fn sort_participants(rows: &mut [&ParticipantSummary], order: SortOrder<ParticipantColumn>) {
    rows.sort_by(|a, b| {
        let primary = match order.key {
            ParticipantColumn::Ods => a.ods_code.cmp(&b.ods_code),
            ParticipantColumn::Trust => Ordering::Equal,
            ParticipantColumn::Sector => a.sector.label().cmp(b.sector.label()),
            ParticipantColumn::Wave => a.wave.cmp(&b.wave),
            ParticipantColumn::Pairing => {
                let name = |s: &ParticipantSummary| s.exemplar.as_ref().map(|(_, n)| n.clone());
                name(a).cmp(&name(b))
            }
            ParticipantColumn::Allocated => a.money.allocated.cmp(&b.money.allocated),
            ParticipantColumn::Released => a.money.released.cmp(&b.money.released),
            ParticipantColumn::Overdue => a.milestones.overdue.cmp(&b.milestones.overdue),
        };
        order.apply(primary.then_with(|| a.name.cmp(&b.name)))
    });
}

/// The returns queue's latest-period table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StandingColumn {
    Trust,
    State,
    TrustRating,
    OfficeRating,
}

impl Column for StandingColumn {
    const ALL: &'static [Self] = &[
        StandingColumn::Trust,
        StandingColumn::State,
        StandingColumn::TrustRating,
        StandingColumn::OfficeRating,
    ];

    fn code(self) -> &'static str {
        match self {
            StandingColumn::Trust => "trust",
            StandingColumn::State => "state",
            StandingColumn::TrustRating => "rating",
            StandingColumn::OfficeRating => "office_rating",
        }
    }
}

/// What a standing is sorted on.
#[derive(Clone, Copy, Debug)]
pub struct StandingKey<'a> {
    pub name: &'a str,
    pub state: ReportState,
    pub trust_rating: Option<Rating>,
    pub office_rating: Option<Rating>,
}

/// States in workflow order: not reported, draft, returned, submitted, approved.
fn state_rank(s: ReportState) -> u8 {
    match s {
        ReportState::NotReported => 0,
        ReportState::Is(ReturnStatus::Draft) => 1,
        ReportState::Is(ReturnStatus::Returned) => 2,
        ReportState::Is(ReturnStatus::Submitted) => 3,
        ReportState::Is(ReturnStatus::Approved) => 4,
    }
}

/// Ratings worst first; no rating before any.
fn rating_rank(r: Option<Rating>) -> Option<usize> {
    r.and_then(|r| Rating::ALL.iter().position(|x| *x == r))
}

/// Compares two standings; ties fall back to the trust's name.
pub fn compare_standings(
    a: &StandingKey<'_>,
    b: &StandingKey<'_>,
    order: SortOrder<StandingColumn>,
) -> Ordering {
    let primary = match order.key {
        StandingColumn::Trust => Ordering::Equal,
        StandingColumn::State => state_rank(a.state).cmp(&state_rank(b.state)),
        StandingColumn::TrustRating => {
            rating_rank(a.trust_rating).cmp(&rating_rank(b.trust_rating))
        }
        StandingColumn::OfficeRating => {
            rating_rank(a.office_rating).cmp(&rating_rank(b.office_rating))
        }
    };
    order.apply(primary.then_with(|| a.name.cmp(b.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_explains() {
        let o = SortOrder::parse(Some("state"), Some("desc"), StandingColumn::Trust).unwrap();
        assert_eq!((o.key, o.descending), (StandingColumn::State, true));
        assert_eq!(
            SortOrder::parse(None, None, StandingColumn::Trust)
                .unwrap()
                .key,
            StandingColumn::Trust
        );
        assert!(SortOrder::parse(Some("x"), None, StandingColumn::Trust).is_err());
        assert!(SortOrder::parse(None, Some("up"), StandingColumn::Trust).is_err());
    }

    #[test]
    fn header_links_flip_the_sorted_column_only() {
        let o = SortOrder {
            key: StandingColumn::State,
            descending: false,
        };
        assert!(o.toggled(StandingColumn::State).descending);
        assert!(!o.toggled(StandingColumn::Trust).descending);
        assert_eq!(o.aria_sort(StandingColumn::State), Some("ascending"));
        assert_eq!(o.aria_sort(StandingColumn::Trust), None);
    }

    #[test]
    fn standings_sort_by_state_in_workflow_order() {
        let key = |name, state| StandingKey {
            name,
            state,
            trust_rating: None,
            office_rating: None,
        };
        let a = key("A", ReportState::Is(ReturnStatus::Approved));
        let b = key("B", ReportState::NotReported);
        let order = SortOrder {
            key: StandingColumn::State,
            descending: false,
        };
        assert_eq!(compare_standings(&a, &b, order), Ordering::Greater);
        let by_name = SortOrder {
            key: StandingColumn::Trust,
            descending: true,
        };
        assert_eq!(compare_standings(&a, &b, by_name), Ordering::Greater);
    }
}
