//! Keeping per-participant charts readable at any programme size: show the
//! first `n` rows in a chosen order and summarise the rest as one bar.

/// The rows a per-participant chart shows, and the rows it groups.
#[derive(Debug)]
pub struct TopN<'a, T> {
    /// Rows drawn as their own bars, in display order (first = top).
    pub shown: Vec<&'a T>,
    /// Rows summarised as one "Other (k participants)" bar, in no
    /// particular order.
    pub rest: Vec<&'a T>,
}

impl<T> TopN<'_, T> {
    /// All rows, shown and grouped.
    pub fn total(&self) -> usize {
        self.shown.len() + self.rest.len()
    }
}

/// Splits `rows` into the first `n` by `key` (smallest key first) and the
/// rest. `key` should be a total order (end it with the ODS code) so that the
/// split never depends on input order.
///
/// A single leftover row is shown rather than grouped: an "Other (1
/// participant)" bar takes the same room as the participant itself.
/// Runs in linear time plus a sort of the shown rows.
pub fn top_n<'a, T, K, F>(rows: &'a [T], n: usize, key: F) -> TopN<'a, T>
where
    K: Ord,
    F: Fn(&'a T) -> K,
{
    let n = n.max(1);
    let mut all: Vec<(K, &'a T)> = rows.iter().map(|r| (key(r), r)).collect();
    let keep = if all.len() <= n + 1 { all.len() } else { n };
    if keep < all.len() {
        all.select_nth_unstable_by(keep - 1, |a, b| a.0.cmp(&b.0));
    }
    let rest: Vec<&T> = all[keep..].iter().map(|(_, r)| *r).collect();
    all.truncate(keep);
    all.sort_by(|a, b| a.0.cmp(&b.0));
    TopN {
        shown: all.into_iter().map(|(_, r)| r).collect(),
        rest,
    }
}

/// The median of the values (mean of the middle two for an even count).
pub fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        Some(values[mid] as f64)
    } else {
        Some((values[mid - 1] as f64 + values[mid] as f64) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;

    #[test]
    fn keeps_largest_n_in_order_and_groups_the_rest() {
        let rows: Vec<(String, i64)> = (0..100)
            .map(|i| (format!("R{i:03}"), (i * 37) % 101))
            .collect();
        let t = top_n(&rows, 25, |r| (Reverse(r.1), r.0.clone()));
        assert_eq!(t.shown.len(), 25);
        assert_eq!(t.rest.len(), 75);
        assert_eq!(t.total(), 100);
        // Shown in descending order and every shown value ≥ every grouped one.
        assert!(t.shown.windows(2).all(|w| w[0].1 >= w[1].1));
        let min_shown = t.shown.iter().map(|r| r.1).min().unwrap();
        assert!(t.rest.iter().all(|r| r.1 <= min_shown));
        // Sums are preserved.
        let sum: i64 = t.shown.iter().chain(&t.rest).map(|r| r.1).sum();
        assert_eq!(sum, rows.iter().map(|r| r.1).sum::<i64>());
    }

    #[test]
    fn small_inputs_are_shown_whole_and_one_leftover_is_not_grouped() {
        let rows = vec![3, 1, 2];
        let t = top_n(&rows, 25, |r| Reverse(*r));
        assert_eq!(t.shown, vec![&3, &2, &1]);
        assert!(t.rest.is_empty());

        let rows: Vec<i64> = (0..26).collect();
        let t = top_n(&rows, 25, |r| Reverse(*r));
        assert_eq!(t.shown.len(), 26);
        assert!(t.rest.is_empty());

        let rows: Vec<i64> = (0..27).collect();
        let t = top_n(&rows, 25, |r| Reverse(*r));
        assert_eq!(t.shown.len(), 25);
        assert_eq!(t.rest.len(), 2);

        let empty: Vec<i64> = vec![];
        let t = top_n(&empty, 25, |r| *r);
        assert_eq!(t.total(), 0);
    }

    #[test]
    fn ties_are_broken_by_the_key_not_input_order() {
        let a = vec![("B", 5), ("A", 5), ("C", 5)];
        let b = vec![("C", 5), ("B", 5), ("A", 5)];
        let ta = top_n(&a, 1, |r| (Reverse(r.1), r.0));
        let tb = top_n(&b, 1, |r| (Reverse(r.1), r.0));
        assert_eq!(ta.shown, vec![&("A", 5)]);
        assert_eq!(tb.shown, vec![&("A", 5)]);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some(5.0));
        assert_eq!(median(&mut [9, 1, 5]), Some(5.0));
        assert_eq!(median(&mut [4, 1, 2, 3]), Some(2.5));
    }
}
