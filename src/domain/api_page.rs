//! Page pagination for the JSON API: which slice of a list a request asks
//! for, and the RFC 8288 `Link` header that points to its neighbours.

/// The page a request asks for: 1-based, at most `MAX_PER_PAGE` rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 200;

impl PageRequest {
    /// From the query's `page` and `per_page` (absent means the defaults;
    /// anything else must be the number itself); the error names the parameter.
    pub fn parse(
        page: Option<&str>,
        per_page: Option<&str>,
    ) -> Result<PageRequest, (&'static str, String)> {
        let number = |name: &'static str, text: Option<&str>, default: u32, max: u32| match text
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => Ok(default),
            Some(t) => match t.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err((
                    name,
                    format!("{name} must be a whole number from 1 to {max}; got {t:?}"),
                )),
            },
        };
        Ok(PageRequest {
            page: number("page", page, 1, 1_000_000)?,
            per_page: number("per_page", per_page, DEFAULT_PER_PAGE, MAX_PER_PAGE)?,
        })
    }

    /// The rows of this page out of `total`: start and end indexes.
    pub fn range(self, total: usize) -> std::ops::Range<usize> {
        let start = (self.page as usize - 1)
            .saturating_mul(self.per_page as usize)
            .min(total);
        let end = start.saturating_add(self.per_page as usize).min(total);
        start..end
    }

    /// How many pages `total` rows make (at least 1, so page 1 always exists).
    pub fn last_page(self, total: usize) -> u32 {
        let per = self.per_page as usize;
        u32::try_from(total.div_ceil(per).max(1)).unwrap_or(u32::MAX)
    }

    /// The `Link` header: first, prev, next and last, each the same path and
    /// query (`base_query`, already encoded, without page parameters).
    pub fn links(self, path: &str, base_query: &str, total: usize) -> String {
        let last = self.last_page(total);
        let url = |page: u32| {
            let sep = if base_query.is_empty() { "" } else { "&" };
            format!(
                "<{path}?{base_query}{sep}page={page}&per_page={}>",
                self.per_page
            )
        };
        let mut links = vec![format!("{}; rel=\"first\"", url(1))];
        if self.page > 1 {
            links.push(format!("{}; rel=\"prev\"", url((self.page - 1).min(last))));
        }
        if self.page < last {
            links.push(format!("{}; rel=\"next\"", url(self.page + 1)));
        }
        links.push(format!("{}; rel=\"last\"", url(last)));
        links.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_limits() {
        assert_eq!(
            PageRequest::parse(None, None).unwrap(),
            PageRequest {
                page: 1,
                per_page: DEFAULT_PER_PAGE
            }
        );
        assert_eq!(PageRequest::parse(Some("0"), None).unwrap_err().0, "page");
        assert_eq!(
            PageRequest::parse(None, Some("201")).unwrap_err().0,
            "per_page"
        );
        assert_eq!(
            PageRequest::parse(None, Some("x")).unwrap_err().0,
            "per_page"
        );
    }

    #[test]
    fn pages_cover_every_row_once() {
        let total = 53;
        let mut seen = Vec::new();
        let first = PageRequest {
            page: 1,
            per_page: 10,
        };
        for page in 1..=first.last_page(total) {
            seen.extend(PageRequest { page, per_page: 10 }.range(total));
        }
        assert_eq!(seen, (0..total).collect::<Vec<_>>());
        assert_eq!(
            PageRequest {
                page: 9,
                per_page: 10
            }
            .range(total),
            53..53
        );
        assert_eq!(first.last_page(0), 1);
    }

    #[test]
    fn links_point_to_neighbours() {
        let p = PageRequest {
            page: 2,
            per_page: 10,
        };
        let links = p.links("/api/v1/milestones", "status=complete", 25);
        assert_eq!(
            links,
            "</api/v1/milestones?status=complete&page=1&per_page=10>; rel=\"first\", \
             </api/v1/milestones?status=complete&page=1&per_page=10>; rel=\"prev\", \
             </api/v1/milestones?status=complete&page=3&per_page=10>; rel=\"next\", \
             </api/v1/milestones?status=complete&page=3&per_page=10>; rel=\"last\""
        );
        let only = PageRequest {
            page: 1,
            per_page: 10,
        }
        .links("/x", "", 3);
        assert_eq!(
            only,
            "</x?page=1&per_page=10>; rel=\"first\", </x?page=1&per_page=10>; rel=\"last\""
        );
    }
}
