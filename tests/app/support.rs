//! Booting the app for a test: a fresh database, migrated and seeded, and a
//! server on an ephemeral port.
use std::sync::atomic::{AtomicU32, Ordering};

use gde::seed::{SeedOptions, SeedSet};
use sea_orm::{ConnectionTrait, DatabaseConnection};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub db: DatabaseConnection,
    // Keeps the SQLite folder alive for the test's duration.
    _dir: Option<tempfile::TempDir>,
}

/// A fresh, migrated, empty database on the backend the run was asked for.
pub async fn fresh_db() -> TestDb {
    match std::env::var("GDE_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(admin_url) => fresh_postgres(&admin_url).await,
        None => fresh_sqlite().await,
    }
}

async fn fresh_sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("gde.db").display());
    let db = gde::db::connect(&url, 4).await.expect("open SQLite");
    gde::db::migrate(&db).await.expect("migrate SQLite");
    TestDb {
        db,
        _dir: Some(dir),
    }
}

async fn fresh_postgres(admin_url: &str) -> TestDb {
    let admin = gde::db::connect(admin_url, 1)
        .await
        .expect("connect to PostgreSQL");
    let name = format!(
        "gde_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .expect("a postgres URL with a database name");
    let url = format!("{base}/{name}");
    let db = gde::db::connect(&url, 4)
        .await
        .expect("connect to test database");
    gde::db::migrate(&db).await.expect("migrate PostgreSQL");
    TestDb { db, _dir: None }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    _test_db: TestDb,
}

pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl TestApp {
    /// The app on a fresh database holding the shipped seed data.
    pub async fn seeded() -> TestApp {
        let test_db = fresh_db().await;
        gde::seed::load(&test_db.db, &SeedSet::embedded(), SeedOptions::default())
            .await
            .expect("seed loads");
        TestApp::serve(test_db).await
    }

    pub async fn serve(test_db: TestDb) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let app = gde::http::router(gde::http::AppState::new(test_db.db.clone()));
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestApp {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            db: test_db.db.clone(),
            _test_db: test_db,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("request succeeds");
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }
}

impl Page {
    /// The outer HTML of the element with this id (matching nested tags of its name).
    pub fn element(&self, id: &str) -> &str {
        let marker = format!("id=\"{id}\"");
        let at = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no element with id {id} in:\n{}", self.body));
        let start = self.body[..at].rfind('<').unwrap();
        let name: String = self.body[start + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let (open, close) = (format!("<{name}"), format!("</{name}>"));
        let mut depth = 0usize;
        let mut i = start;
        loop {
            let next_open = self.body[i + 1..].find(&open).map(|j| j + i + 1);
            let next_close = self.body[i + 1..]
                .find(&close)
                .map(|j| j + i + 1)
                .expect("element is closed");
            match next_open {
                Some(o) if o < next_close => {
                    depth += 1;
                    i = o;
                }
                _ => {
                    if depth == 0 {
                        return &self.body[start..next_close + close.len()];
                    }
                    depth -= 1;
                    i = next_close;
                }
            }
        }
    }

    /// Text of an element such as a `<dd id=…>` with tags stripped.
    pub fn text_of(&self, id: &str) -> String {
        strip_tags(self.element(id))
    }
}

pub fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").trim().to_owned()
}

/// Pounds and pence as the pages show them, written independently of the app's own code.
pub fn pounds(pence: i64) -> String {
    let pounds = pence / 100;
    let rem = pence % 100;
    let digits = pounds.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if rem == 0 {
        format!("£{grouped}")
    } else {
        format!("£{grouped}.{rem:02}")
    }
}

/// Rows of a seed CSV file as maps from column to value, read independently of the app.
pub fn seed_rows(file: &str) -> Vec<std::collections::HashMap<String, String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seed-data")
        .join(file);
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.trim().to_owned()))
                .collect()
        })
        .collect()
}
