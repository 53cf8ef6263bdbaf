//! Partner organisations and the participants they work with.
use maud::{Markup, html};

use super::components::confidence_tag;
use super::layout::{Chrome, Nav, page as layout};
use crate::domain::programme::PartnerSummary;

pub fn page(chrome: &Chrome, partners: &[PartnerSummary]) -> Markup {
    layout(
        "Partner organisations",
        Nav::Partners,
        chrome,
        html! {
            h1 { "Partner organisations" }
            p {
                "International partners, EPR suppliers and academic partners that the public sources link to participants. "
                "Each link carries the confidence of its sources; links the sources do not confirm are not shown."
            }
            p.downloads #partner-downloads {
                a href="/export/partners" download { "Download CSV" }
                " (these partner organisations, as the import reads them) · "
                a href="/export/partnerships" download { "Download partnerships CSV" }
            }
            table.nhsuk-table #partners {
                caption.nhsuk-table__caption { (partners.len()) " partner organisations" }
                thead.nhsuk-table__head { tr.nhsuk-table__row {
                    th.nhsuk-table__header scope="col" { "Organisation" } th.nhsuk-table__header scope="col" { "Kind" } th.nhsuk-table__header scope="col" { "Country" } th.nhsuk-table__header scope="col" { "Works with" }
                } }
                tbody.nhsuk-table__body {
                    @for p in partners {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { (p.name) }
                            td.nhsuk-table__cell { (p.kind.label()) }
                            td.nhsuk-table__cell { (p.country_code) }
                            td.nhsuk-table__cell {
                                @if p.links.is_empty() {
                                    span.nhsuk-u-secondary-text-colour { "No confirmed links" }
                                } @else {
                                    ul.plain {
                                        @for l in &p.links {
                                            li {
                                                a href={ "/participants/" (l.ods_code) } { (l.participant_name) }
                                                " — " (l.role.label()) " " (confidence_tag(l.confidence))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
