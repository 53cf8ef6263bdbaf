//! Lists that cost what they show: a page number and a page size chosen
//! from a fixed list, parsed once from the query string, and the page's
//! place in the whole (total, first and last row shown, previous and next).
//! The store turns a `PageRequest` into `LIMIT`/`OFFSET`; nothing here
//! knows about SQL or HTTP.

/// The page sizes a person can choose.
pub const PAGE_SIZES: &[u32] = &[25, 50, 100, 200];
/// The page size when none is chosen.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// Which page of a list, and how many rows a page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// 1-based.
    pub page: u32,
    pub size: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl PageRequest {
    /// From the query string's page and size as typed (empty means the
    /// default); a bad value names its parameter and says what is allowed.
    pub fn parse(page: Option<&str>, size: Option<&str>) -> Result<PageRequest, String> {
        Self::parse_named(page, size, "page", "size")
    }

    /// As [`parse`](Self::parse), for a list whose parameters have other names.
    pub fn parse_named(
        page: Option<&str>,
        size: Option<&str>,
        page_name: &str,
        size_name: &str,
    ) -> Result<PageRequest, String> {
        fn chosen(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let page = match chosen(page) {
            None => 1,
            Some(v) => v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                format!("{page_name}: {v:?} is not a page number; pages are numbered from 1")
            })?,
        };
        let size = match chosen(size) {
            None => DEFAULT_PAGE_SIZE,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| PAGE_SIZES.contains(n))
                .ok_or_else(|| {
                    let allowed: Vec<String> = PAGE_SIZES.iter().map(u32::to_string).collect();
                    format!(
                        "{size_name}: {v:?} is not a page size; use one of {}",
                        allowed.join(", ")
                    )
                })?,
        };
        Ok(PageRequest { page, size })
    }

    /// The same size, on a page that exists for `total` rows: a page past
    /// the end shows the last page (an empty list shows page 1).
    pub fn within(self, total: u64) -> PageRequest {
        PageRequest {
            page: self.page.min(pages(total, self.size)),
            ..self
        }
    }

    /// Rows to skip.
    pub fn offset(self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.size)
    }

    pub fn limit(self) -> u64 {
        u64::from(self.size)
    }
}

/// How many pages `total` rows fill; at least one.
pub fn pages(total: u64, size: u32) -> u32 {
    let size = u64::from(size.max(1));
    u32::try_from(total.div_ceil(size).max(1)).unwrap_or(u32::MAX)
}

/// One page of a list, with the total it is part of.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: u64,
    /// The page shown (already within range).
    pub request: PageRequest,
}

impl<T> Page<T> {
    pub fn new(rows: Vec<T>, total: u64, request: PageRequest) -> Page<T> {
        Page {
            rows,
            total,
            request,
        }
    }

    pub fn pages(&self) -> u32 {
        pages(self.total, self.request.size)
    }

    pub fn previous(&self) -> Option<u32> {
        (self.request.page > 1).then(|| self.request.page - 1)
    }

    pub fn next(&self) -> Option<u32> {
        (self.request.page < self.pages()).then(|| self.request.page + 1)
    }

    /// 1-based positions of the first and last row shown; `None` when empty.
    pub fn shown(&self) -> Option<(u64, u64)> {
        if self.rows.is_empty() {
            return None;
        }
        let first = self.request.offset() + 1;
        Some((first, first + self.rows.len() as u64 - 1))
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            total: self.total,
            request: self.request,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults_and_explains_bad_values() {
        assert_eq!(
            PageRequest::parse(None, Some("")).unwrap(),
            PageRequest::default()
        );
        assert_eq!(
            PageRequest::parse(Some("3"), Some("100")).unwrap(),
            PageRequest { page: 3, size: 100 }
        );
        let e = PageRequest::parse(Some("0"), None).unwrap_err();
        assert!(e.starts_with("page:"), "{e}");
        let e = PageRequest::parse(None, Some("1000")).unwrap_err();
        assert!(e.contains("25, 50, 100, 200"), "{e}");
        assert!(PageRequest::parse(Some("x"), None).is_err());
    }

    #[test]
    fn a_page_past_the_end_shows_the_last() {
        let r = PageRequest { page: 9, size: 25 };
        assert_eq!(r.within(51).page, 3);
        assert_eq!(r.within(0).page, 1);
        assert_eq!(r.within(1000).page, 9);
        assert_eq!(r.within(51).offset(), 50);
    }

    #[test]
    fn page_positions_and_neighbours() {
        let p = Page::new(vec![1, 2, 3], 53, PageRequest { page: 3, size: 25 });
        assert_eq!(p.pages(), 3);
        assert_eq!(p.shown(), Some((51, 53)));
        assert_eq!(p.previous(), Some(2));
        assert_eq!(p.next(), None);
        let first = Page::new(vec![0; 25], 53, PageRequest { page: 1, size: 25 });
        assert_eq!((first.previous(), first.next()), (None, Some(2)));
        let empty: Page<u8> = Page::new(vec![], 0, PageRequest::default());
        assert_eq!(
            (empty.pages(), empty.shown(), empty.next()),
            (1, None, None)
        );
    }
}
