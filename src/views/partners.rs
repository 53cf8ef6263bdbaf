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
            table.table #partners {
                caption { (partners.len()) " partner organisations" }
                thead { tr {
                    th scope="col" { "Organisation" } th scope="col" { "Kind" } th scope="col" { "Country" } th scope="col" { "Works with" }
                } }
                tbody {
                    @for p in partners {
                        tr {
                            td { (p.name) }
                            td { (p.kind.label()) }
                            td { (p.country_code) }
                            td {
                                @if p.links.is_empty() {
                                    span.muted { "No confirmed links" }
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
