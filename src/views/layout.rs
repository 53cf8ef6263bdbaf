//! The page frame: skip link, header with the signed-in user and sign-out,
//! navigation, main landmark with any confirmation message, and footer.
use maud::{DOCTYPE, Markup, html};

use crate::domain::access::UserRole;

/// The application's stylesheet: the NHS.UK design system's compiled CSS
/// (vendored by `scripts/vendor-nhsuk-frontend`) followed by the few rules of
/// our own in `static/app.css`. Served as one file at `/static/app.css` and
/// inlined into briefing packs so they open anywhere.
pub const STYLESHEET: &str = concat!(
    include_str!("../../static/nhsuk-frontend/nhsuk-frontend.min.css"),
    "\n",
    include_str!("../../static/app.css")
);

/// Which navigation item is the current page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Dashboard,
    Participants,
    Partners,
    Milestones,
    Returns,
    ChangeRequests,
    Audit,
    Users,
    None,
}

/// The signed-in person as the header shows them.
#[derive(Clone, Debug)]
pub struct UserBadge {
    pub name: String,
    pub role: UserRole,
}

/// Per-request page furniture, filled in by the web layer.
#[derive(Clone, Debug, Default)]
pub struct Chrome {
    pub user: Option<UserBadge>,
    /// The CSRF token every form on the page carries.
    pub csrf: String,
    /// A one-off confirmation, e.g. "Account created".
    pub flash: Option<String>,
}

struct NavItem {
    nav: Nav,
    href: &'static str,
    label: &'static str,
    office_only: bool,
}

const NAV: &[NavItem] = &[
    NavItem {
        nav: Nav::Overview,
        href: "/",
        label: "Overview",
        office_only: false,
    },
    NavItem {
        nav: Nav::Dashboard,
        href: "/dashboard",
        label: "Dashboard",
        office_only: false,
    },
    NavItem {
        nav: Nav::Participants,
        href: "/participants",
        label: "Participants",
        office_only: false,
    },
    NavItem {
        nav: Nav::Partners,
        href: "/partners",
        label: "Partner organisations",
        office_only: false,
    },
    NavItem {
        nav: Nav::Milestones,
        href: "/milestones",
        label: "Milestones",
        office_only: false,
    },
    NavItem {
        nav: Nav::Returns,
        href: "/returns",
        label: "Returns",
        office_only: false,
    },
    NavItem {
        nav: Nav::ChangeRequests,
        href: "/change-requests",
        label: "Change requests",
        office_only: true,
    },
    NavItem {
        nav: Nav::Audit,
        href: "/audit",
        label: "Audit trail",
        office_only: true,
    },
    NavItem {
        nav: Nav::Users,
        href: "/users",
        label: "Users",
        office_only: true,
    },
];

/// The hidden field every POST form needs.
pub fn csrf_field(chrome: &Chrome) -> Markup {
    html! { input type="hidden" name="authenticity_token" value=(chrome.csrf); }
}

pub fn page(title: &str, current: Nav, chrome: &Chrome, body: Markup) -> Markup {
    let office = chrome
        .user
        .as_ref()
        .is_some_and(|u| u.role == UserRole::ProgrammeOffice);
    // Dashboards show every trust's figures, so reporters are not offered them.
    let reporter = chrome
        .user
        .as_ref()
        .is_some_and(|u| u.role == UserRole::TrustReporter);
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
                a.nhsuk-skip-link href="#main-content" { "Skip to main content" }
                header.nhsuk-header {
                    div.nhsuk-header__container.nhsuk-width-container {
                        div.nhsuk-header__service {
                            a.nhsuk-header__service-name href="/" { "GDE Tracker" }
                        }
                        @if let Some(user) = &chrome.user {
                            nav.nhsuk-header__account aria-label="Account" {
                                ul.nhsuk-header__account-list {
                                    li.nhsuk-header__account-item { (user.name) " (" (user.role.label()) ")" }
                                    li.nhsuk-header__account-item {
                                        a.nhsuk-header__account-link href="/account/tokens" { "API tokens" }
                                    }
                                    li.nhsuk-header__account-item {
                                        form.nhsuk-header__account-form method="post" action="/logout" {
                                            (csrf_field(chrome))
                                            button.nhsuk-header__account-button type="submit" { "Sign out" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if chrome.user.is_some() {
                        nav.nhsuk-header__navigation aria-label="Main" {
                            div.nhsuk-header__navigation-container.nhsuk-width-container {
                                ul.nhsuk-header__navigation-list {
                                    @for item in NAV.iter().filter(|i| office || !i.office_only).filter(|i| !(reporter && i.nav == Nav::Dashboard)) {
                                        @if item.nav == current {
                                            li.nhsuk-header__navigation-item.nhsuk-header__navigation-item--current {
                                                a.nhsuk-header__navigation-link href=(item.href) aria-current="page" {
                                                    strong.nhsuk-header__navigation-item-current-fallback { (item.label) }
                                                }
                                            }
                                        } @else {
                                            li.nhsuk-header__navigation-item {
                                                a.nhsuk-header__navigation-link href=(item.href) { (item.label) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                div.nhsuk-width-container {
                    main.nhsuk-main-wrapper #main-content {
                        @if let Some(message) = &chrome.flash {
                            div.nhsuk-notification-banner.nhsuk-notification-banner--success role="status" {
                                div.nhsuk-notification-banner__content {
                                    p.nhsuk-notification-banner__heading { (message) }
                                }
                            }
                        }
                        (body)
                    }
                }
                footer.nhsuk-footer {
                    div.nhsuk-width-container {
                        p.nhsuk-body-s {
                            "Participants, pairings and partners are the real programme, from public sources, each with a confidence rating. "
                            "Figures tagged " strong { "Illustrative" } " (allocations, tranches, milestones, most maturity scores) are invented for demonstration and are not programme facts."
                        }
                    }
                }
            }
        }
    }
}
