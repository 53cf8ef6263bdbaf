//! The API reference page, rendered on the server from the OpenAPI
//! document itself (no script, so it works under the Content-Security-Policy).
use maud::{Markup, html};
use serde_json::Value;

use super::layout::{Chrome, Nav, page as frame};

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// The name of a `$ref` (`#/components/schemas/X` → `X`), or a type in words.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        return one.iter().map(type_of).collect::<Vec<_>>().join(" or ");
    }
    match schema.get("type") {
        Some(Value::Array(types)) => types
            .iter()
            .map(|t| text(t).to_owned())
            .collect::<Vec<_>>()
            .join(" or "),
        Some(Value::String(t)) if t == "array" => {
            format!(
                "array of {}",
                schema.get("items").map(type_of).unwrap_or_default()
            )
        }
        Some(Value::String(t)) => t.clone(),
        _ => "any".to_owned(),
    }
}

fn schema_link(schema: &Value) -> Markup {
    let name = type_of(schema);
    let target = schema
        .get("$ref")
        .or_else(|| schema.get("items").and_then(|i| i.get("$ref")))
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next());
    html! {
        @match target {
            Some(t) => a href={ "#schema-" (t) } { code { (name) } },
            None => code { (name) },
        }
    }
}

fn paragraphs(description: &str) -> Markup {
    html! {
        @for p in description.split("\n\n").filter(|p| !p.trim().is_empty()) {
            p { (p.replace("**", "").replace('`', "")) }
        }
    }
}

pub fn page(doc: &Value) -> Markup {
    let info = &doc["info"];
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let schemas = doc["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut operations: Vec<(String, String, String, Value)> = Vec::new();
    for (path, item) in &paths {
        for method in ["get", "put", "post", "patch", "delete"] {
            if let Some(op) = item.get(method) {
                let tag = op["tags"][0].as_str().unwrap_or("other").to_owned();
                operations.push((tag, method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    let tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|t| {
                    (
                        text(&t["name"]).to_owned(),
                        text(&t["description"]).to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    frame(
        "API reference",
        Nav::None,
        &Chrome::default(),
        html! {
            h1 { (text(&info["title"])) " (version " (text(&info["version"])) ")" }
            p { "The machine-readable document: " a href="/api/v1/openapi.json" { "/api/v1/openapi.json" } " (OpenAPI " (text(&doc["openapi"])) "). Make a token at " a href="/account/tokens" { "your API tokens page" } "." }
            (paragraphs(text(&info["description"])))
            nav aria-label="Operations" {
                h2 { "Operations" }
                ul {
                    @for (_, method, path, op) in &operations {
                        li { a href={ "#" (text(&op["operationId"])) } { code { (method) " " (path) } } }
                    }
                }
            }
            @for (tag, description) in &tags {
                section {
                    h2 { (tag) }
                    p { (description) }
                    @for (_, method, path, op) in operations.iter().filter(|o| &o.0 == tag) {
                        article.api-operation id=(text(&op["operationId"])) {
                            h3 { code { (method) " " (path) } }
                            @if let Some(d) = op["description"].as_str() { (paragraphs(d)) }
                            @else if let Some(s) = op["summary"].as_str() { p { (s) } }
                            @if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
                                table.nhsuk-table {
                                    caption.nhsuk-table__caption { "Parameters" }
                                    thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Name" } th.nhsuk-table__header scope="col" { "In" } th.nhsuk-table__header scope="col" { "Type" } th.nhsuk-table__header scope="col" { "Required" } th.nhsuk-table__header scope="col" { "Meaning" } } }
                                    tbody.nhsuk-table__body {
                                        @for p in params {
                                            tr.nhsuk-table__row {
                                                td.nhsuk-table__cell { code { (text(&p["name"])) } }
                                                td.nhsuk-table__cell { (text(&p["in"])) }
                                                td.nhsuk-table__cell { (schema_link(&p["schema"])) }
                                                td.nhsuk-table__cell { @if p["required"].as_bool().unwrap_or(false) { "yes" } @else { "no" } }
                                                td.nhsuk-table__cell { (text(&p["description"])) }
                                            }
                                        }
                                    }
                                }
                            }
                            @if let Some(body) = op["requestBody"]["content"].as_object().and_then(|c| c.values().next()) {
                                p { "Request body (JSON): " (schema_link(&body["schema"])) }
                            }
                            table.nhsuk-table {
                                caption.nhsuk-table__caption { "Responses" }
                                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Status" } th.nhsuk-table__header scope="col" { "Meaning" } th.nhsuk-table__header scope="col" { "Body" } } }
                                tbody.nhsuk-table__body {
                                    @for (status, r) in op["responses"].as_object().cloned().unwrap_or_default() {
                                        tr.nhsuk-table__row {
                                            td.nhsuk-table__cell { (status) }
                                            td.nhsuk-table__cell { (text(&r["description"])) }
                                            td.nhsuk-table__cell {
                                                @if let Some((kind, c)) = r["content"].as_object().and_then(|c| c.iter().next()) {
                                                    (schema_link(&c["schema"])) " " span.nhsuk-u-secondary-text-colour { "(" (kind) ")" }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section {
                h2 { "Schemas" }
                @for (name, schema) in &schemas {
                    article id={ "schema-" (name) } {
                        h3 { code { (name) } }
                        @if let Some(d) = schema["description"].as_str() { (paragraphs(d)) }
                        @if let Some(props) = schema["properties"].as_object() {
                            table.nhsuk-table {
                                caption.nhsuk-table__caption { "Fields of " (name) }
                                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Field" } th.nhsuk-table__header scope="col" { "Type" } th.nhsuk-table__header scope="col" { "Required" } th.nhsuk-table__header scope="col" { "Meaning" } } }
                                tbody.nhsuk-table__body {
                                    @for (field, p) in props {
                                        tr.nhsuk-table__row {
                                            td.nhsuk-table__cell { code { (field) } }
                                            td.nhsuk-table__cell { (schema_link(p)) }
                                            td.nhsuk-table__cell { @if schema["required"].as_array().is_some_and(|r| r.iter().any(|x| x == field.as_str())) { "yes" } @else { "no" } }
                                            td.nhsuk-table__cell { (text(&p["description"])) }
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
