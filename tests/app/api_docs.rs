//! The OpenAPI document: valid OpenAPI 3.1, covering every API route, and a
//! reference page that works under the Content-Security-Policy. Also the
//! setting that makes the 360Giving file public.
use serde_json::Value;

use crate::support::{OFFICE, TestApp};

async fn document(app: &TestApp) -> Value {
    let r = reqwest::get(format!("{}/api/v1/openapi.json", app.address))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1_and_names_every_route() {
    let app = TestApp::seeded().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    let meta: Value =
        serde_json::from_str(include_str!("../../docs/openapi/openapi-3.1-schema.json")).unwrap();
    let validator = jsonschema::validator_for(&meta).expect("the meta-schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // Every route of the table, with its method, is in the document (and
    // nothing the table lacks).
    let mut documented = 0;
    for route in gde::http::api::api_routes() {
        if route.access.is_none() {
            continue;
        }
        documented += 1;
        let path = format!("/api/v1{}", route.path);
        let op = &doc["paths"][&path][route.method.as_str().to_lowercase()];
        assert!(
            op.is_object(),
            "{} {path} is not in the document",
            route.method
        );
        assert!(op["responses"]["401"].is_object(), "{path} documents 401");
        assert!(op["responses"]["429"].is_object(), "{path} documents 429");
    }
    let in_doc: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(in_doc, documented);
    // Every schema a response names exists.
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &r[..r.find('"').unwrap()];
        assert!(doc["components"]["schemas"][name].is_object(), "{name}");
    }
}

#[tokio::test]
async fn the_reference_page_is_rendered_from_the_document_without_script() {
    let app = TestApp::seeded().await;
    let r = reqwest::get(format!("{}/api/v1/reference", app.address))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"));
    let body = r.text().await.unwrap();
    assert!(!body.contains("<script"), "no script at all");
    assert!(
        !body.contains(" style=\""),
        "no inline style (CSP forbids it)"
    );
    for needle in [
        "PUT /api/v1/returns/{period}/{ods_code}",
        "GET /api/v1/participants",
        "id=\"schema-Problem\"",
        "Retry-After",
    ] {
        assert!(
            body.contains(needle) || body.contains(&needle.replace('{', "&#123;")),
            "{needle}"
        );
    }
}

#[tokio::test]
async fn the_360giving_file_is_public_only_when_the_setting_says_so() {
    let settings = [
        ("GDE_360G_PREFIX", "example"),
        ("GDE_360G_FUNDER_ID", "GB-GOR-EXAMPLE"),
        ("GDE_360G_ILLUSTRATIVE", "flag"),
    ];
    let private = TestApp::seeded_with(&settings).await;
    let signed_out = private.browser().get("/open-data/360giving.json").await;
    assert_eq!(signed_out.status, 303, "signed out: sent to sign in");
    assert_eq!(
        private
            .sign_in(OFFICE)
            .await
            .get("/open-data/360giving.json")
            .await
            .status,
        200
    );
    let reader = private.sign_in(crate::support::READER).await;
    assert_eq!(reader.get("/open-data/360giving.json").await.status, 403);

    let mut public_settings = settings.to_vec();
    public_settings.push(("GDE_360G_PUBLIC", "true"));
    let public = TestApp::seeded_with(&public_settings).await;
    let anyone = public.browser().get("/open-data/360giving.json").await;
    assert_eq!(anyone.status, 200, "{}", anyone.body);
    let json: Value = serde_json::from_str(&anyone.body).unwrap();
    assert!(!json["grants"].as_array().unwrap().is_empty());
    let reader = public.sign_in(crate::support::READER).await;
    assert_eq!(reader.get("/open-data/360giving.json").await.status, 200);
}
