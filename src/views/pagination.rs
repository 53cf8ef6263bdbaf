//! Page controls for the long lists: "Showing 51–100 of 1,000", previous
//! and next links and a page-size choice, each link keeping the list's
//! filters and sort. The controls are a `nav` with its own label; the page
//! shown is marked `aria-current="page"`.
use maud::{Markup, html};

use crate::domain::pagination::{PAGE_SIZES, Page};

/// How one list's page links are made.
pub struct Pager<'a> {
    /// The list's path, e.g. `/participants`.
    pub path: &'a str,
    /// The query parameters every link keeps (filters, sort), in order.
    pub keep: Vec<(&'static str, String)>,
    /// The names of this list's page and size parameters.
    pub page_param: &'static str,
    pub size_param: &'static str,
    /// The fragment links jump to (the list's table id), if any.
    pub anchor: Option<&'a str>,
    /// What the list holds, plural, e.g. "participants"; also names the nav.
    pub noun: &'a str,
    /// An id prefix unique on the page.
    pub id: &'a str,
}

impl Pager<'_> {
    /// The link to page `page` at page size `size`.
    pub fn href(&self, page: u32, size: u32) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .keep
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        pairs.push((self.page_param, page.to_string()));
        pairs.push((self.size_param, size.to_string()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        match self.anchor {
            Some(anchor) => format!("{}?{query}#{anchor}", self.path),
            None => format!("{}?{query}", self.path),
        }
    }
}

/// "Showing 51 to 100 of 1,000 participants" (or "No participants").
pub fn summary<T>(page: &Page<T>, noun: &str) -> String {
    match page.shown() {
        None => format!("No {noun}"),
        Some((1, last)) => format!(
            "Showing {} of {} {noun}",
            thousands(last),
            thousands(page.total)
        ),
        Some((first, last)) => format!(
            "Showing {} to {} of {} {noun}",
            thousands(first),
            thousands(last),
            thousands(page.total)
        ),
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The previous/next links, the page numbers near this one, and the page-size choice.
pub fn controls<T>(pager: &Pager<'_>, page: &Page<T>) -> Markup {
    let size = page.request.size;
    let current = page.request.page;
    let last = page.pages();
    // First, last and the two either side of the current page.
    let mut numbers: Vec<u32> = vec![1, last];
    numbers.extend(current.saturating_sub(2).max(1)..=current.saturating_add(2).min(last));
    numbers.sort_unstable();
    numbers.dedup();
    // `None` where numbers are skipped.
    let mut items: Vec<Option<u32>> = Vec::new();
    for n in numbers {
        if items
            .last()
            .is_some_and(|prev| prev.is_some_and(|p| n > p + 1))
        {
            items.push(None);
        }
        items.push(Some(n));
    }
    let size_id = format!("{}-size", pager.id);
    html! {
        nav.pagination aria-label={ "Pages of " (pager.noun) } id={ (pager.id) "-pages" } {
            p.pagination-status { "Page " (current) " of " (last) " (" (summary(page, pager.noun)) ")" }
            ul {
                @if let Some(prev) = page.previous() {
                    li { a href=(pager.href(prev, size)) rel="prev" { "Previous" span.nhsuk-u-visually-hidden { " page of " (pager.noun) } } }
                }
                @for item in &items {
                    @match item {
                        None => li aria-hidden="true" { "…" },
                        Some(n) if *n == current => li { a href=(pager.href(*n, size)) aria-current="page" { span.nhsuk-u-visually-hidden { "Page " } (n) } },
                        Some(n) => li { a href=(pager.href(*n, size)) { span.nhsuk-u-visually-hidden { "Page " } (n) } },
                    }
                }
                @if let Some(next) = page.next() {
                    li { a href=(pager.href(next, size)) rel="next" { "Next" span.nhsuk-u-visually-hidden { " page of " (pager.noun) } } }
                }
            }
            form.page-size method="get" action=(pager.path) {
                @for (k, v) in &pager.keep {
                    @if !v.is_empty() { input type="hidden" name=(k) value=(v); }
                }
                label.nhsuk-label for=(size_id) { "Rows per page" }
                select.nhsuk-select id=(size_id) name=(pager.size_param) {
                    @for s in PAGE_SIZES {
                        option value=(s) selected[*s == size] { (s) }
                    }
                }
                button.nhsuk-button.nhsuk-button--secondary type="submit" { "Show" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pagination::PageRequest;

    fn pager() -> Pager<'static> {
        Pager {
            path: "/participants",
            keep: vec![("role", "fast_follower".into()), ("sector", String::new())],
            page_param: "page",
            size_param: "size",
            anchor: None,
            noun: "participants",
            id: "participants",
        }
    }

    #[test]
    fn links_keep_filters_and_mark_the_current_page() {
        let page = Page::new(vec![0; 25], 60, PageRequest { page: 2, size: 25 });
        let html = controls(&pager(), &page).into_string();
        assert!(html.contains("aria-label=\"Pages of participants\""));
        assert!(html.contains(
            "href=\"/participants?role=fast_follower&amp;page=1&amp;size=25\" rel=\"prev\""
        ));
        assert!(html.contains(
            "href=\"/participants?role=fast_follower&amp;page=3&amp;size=25\" rel=\"next\""
        ));
        assert!(html.contains("page=2&amp;size=25\" aria-current=\"page\""));
        assert_eq!(html.matches("aria-current").count(), 1);
        assert!(html.contains("Showing 26 to 50 of 60 participants"));
    }

    #[test]
    fn counts_read_with_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
