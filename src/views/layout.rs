//! The page frame: skip link, header, navigation, main landmark and footer.
use maud::{DOCTYPE, Markup, html};

/// Which navigation item is the current page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Participants,
    Partners,
    None,
}

const NAV: &[(Nav, &str, &str)] = &[
    (Nav::Overview, "/", "Overview"),
    (Nav::Participants, "/participants", "Participants"),
    (Nav::Partners, "/partners", "Partner organisations"),
];

pub fn page(title: &str, current: Nav, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – GDE Tracker" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                a.skip-link href="#main-content" { "Skip to main content" }
                header.site-header {
                    div.container {
                        a.brand href="/" { "GDE Tracker" }
                        span.tagline { "Global Digital Exemplar programme office" }
                    }
                    nav.site-nav aria-label="Main" {
                        ul.container {
                            @for (item, href, label) in NAV {
                                li {
                                    @if *item == current {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
                main #main-content .container {
                    (body)
                }
                footer.site-footer {
                    div.container {
                        p {
                            "Participants, pairings and partners are the real programme, from public sources, each with a confidence rating. "
                            "Figures tagged " strong { "Illustrative" } " (allocations, tranches, milestones, most maturity scores) are invented for demonstration and are not programme facts."
                        }
                    }
                }
            }
        }
    }
}
