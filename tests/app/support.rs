//! Booting the app for a test: a fresh database, migrated and seeded, and a
//! server on an ephemeral port.
use std::sync::atomic::{AtomicU32, Ordering};

use gde::seed::{SeedOptions, SeedSet};
use sea_orm::{ConnectionTrait, DatabaseConnection};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub db: DatabaseConnection,
    pub url: String,
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
        url,
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
    TestDb {
        db,
        url,
        _dir: None,
    }
}

pub const PASSWORD: &str = "correct horse battery staple";
pub const OFFICE: &str = "office@example.org";
pub const REPORTER: &str = "reporter@ral.example.org";
pub const READER: &str = "reader@example.org";
/// A second programme-office account, to decide the first one's requests.
pub const OFFICE2: &str = "office2@example.org";
/// The organisation the test reporter reports for.
pub const REPORTER_ORG: &str = "RAL";

pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    /// The database URL, for a second instance with its own pool.
    pub url: String,
    _test_db: TestDb,
}

pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

/// A browser-like client: keeps cookies, remembers the latest form token,
/// sends Origin on form posts.
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    pub token: std::sync::Mutex<Option<String>>,
}

impl TestApp {
    /// The app on a fresh database holding the shipped seed data and one
    /// account of each role.
    pub async fn seeded() -> TestApp {
        TestApp::seeded_with(&[]).await
    }

    /// As `seeded`, with these settings over the test configuration.
    pub async fn seeded_with(settings: &[(&str, &str)]) -> TestApp {
        let test_db = fresh_db().await;
        gde::seed::load(&test_db.db, &SeedSet::embedded(), SeedOptions::default())
            .await
            .expect("seed loads");
        for (email, role, organisation) in [
            (OFFICE, "programme-office", ""),
            (REPORTER, "trust-reporter", REPORTER_ORG),
            (READER, "briefing-reader", ""),
            (OFFICE2, "programme-office", ""),
        ] {
            gde::services::users::add(
                &test_db.db,
                &gde::services::By::Cli,
                gde::services::users::NewUser {
                    email: email.into(),
                    name: format!("Test {role}"),
                    role: role.into(),
                    organisation: organisation.into(),
                    password: PASSWORD.into(),
                },
            )
            .await
            .expect("test user");
        }
        TestApp::serve_with(test_db, test_config(settings)).await
    }

    /// As `seeded`, with `clock` as the application's "now" for programme
    /// data: the seed is loaded at the clock's instant, and every request
    /// runs by it, so a test can script a history day by day.
    pub async fn seeded_at(clock: gde::clock::Clock) -> TestApp {
        let test_db = fresh_db().await;
        clock
            .clone()
            .scope(gde::seed::load(
                &test_db.db,
                &SeedSet::embedded(),
                SeedOptions::default(),
            ))
            .await
            .expect("seed loads");
        for (email, role, organisation) in [
            (OFFICE, "programme-office", ""),
            (REPORTER, "trust-reporter", REPORTER_ORG),
            (READER, "briefing-reader", ""),
            (OFFICE2, "programme-office", ""),
        ] {
            gde::services::users::add(
                &test_db.db,
                &gde::services::By::Cli,
                gde::services::users::NewUser {
                    email: email.into(),
                    name: format!("Test {role}"),
                    role: role.into(),
                    organisation: organisation.into(),
                    password: PASSWORD.into(),
                },
            )
            .await
            .expect("test user");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let state =
            gde::http::AppState::new(test_db.db.clone(), test_config(&[])).with_clock(clock);
        let app = gde::http::router(state);
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap();
        });
        TestApp {
            address,
            db: test_db.db.clone(),
            url: test_db.url.clone(),
            _test_db: test_db,
        }
    }

    pub async fn serve_with(test_db: TestDb, config: gde::Config) -> TestApp {
        let address = spawn_instance_with(test_db.db.clone(), config).await;
        TestApp {
            address,
            db: test_db.db.clone(),
            url: test_db.url.clone(),
            _test_db: test_db,
        }
    }

    /// A client with no session.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    /// A client signed in as `email` with the test password.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let browser = self.browser();
        let page = browser.sign_in(email, PASSWORD).await;
        assert_eq!(page.status, 303, "sign-in as {email} failed: {}", page.body);
        browser
    }
}

/// Serves the app on an ephemeral port over `db`; returns its base URL.
pub async fn spawn_instance(db: DatabaseConnection) -> String {
    spawn_instance_with(db, test_config(&[])).await
}

pub async fn spawn_instance_with(db: DatabaseConnection, config: gde::Config) -> String {
    serve_state(gde::http::AppState::new(db, config)).await
}

/// Serves `state` on an ephemeral port; returns its base URL.
pub async fn serve_state(state: gde::http::AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let app = gde::http::router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    address
}

/// The test configuration: the defaults, with the test client (127.0.0.1)
/// trusted as a proxy so tests can set X-Forwarded-For, and short refusal
/// delays; `overrides` replace any of them.
pub fn test_config(overrides: &[(&str, &str)]) -> gde::Config {
    let base = [
        ("GDE_TRUSTED_PROXIES", "127.0.0.1"),
        ("GDE_SIGNIN_MIN_REFUSAL_MS", "20"),
        ("GDE_SIGNIN_DELAY_STEP_MS", "10"),
        ("GDE_SIGNIN_MAX_DELAY_MS", "100"),
    ];
    gde::Config::from_lookup(|name| {
        overrides
            .iter()
            .chain(base.iter())
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap()
}

impl Browser {
    pub fn new(address: &str) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Browser {
            address: address.to_owned(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_provider(jar.clone())
                .build()
                .unwrap(),
            jar,
            token: std::sync::Mutex::new(None),
        }
    }

    /// A client at another address carrying this one's cookies (another app
    /// instance behind the same name, as a load balancer would present it).
    pub fn at(&self, address: &str) -> Browser {
        let other = Browser::new(address);
        let url: reqwest::Url = address.parse().unwrap();
        if let Some(cookies) = self.cookie_header() {
            for cookie in cookies.split("; ") {
                other.jar.add_cookie_str(cookie, &url);
            }
        }
        *other.token.lock().unwrap() = self.token.lock().unwrap().clone();
        other
    }

    fn cookie_header(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = self.address.parse().unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// The value of one cookie the client holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookie_header()?
            .split("; ")
            .find_map(|c| c.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }

    /// Sets a cookie by hand (to replay an old session id, say).
    pub fn set_cookie(&self, name: &str, value: &str) {
        let url: reqwest::Url = self.address.parse().unwrap();
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &url);
    }

    async fn page(&self, response: reqwest::Response) -> Page {
        let page = Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        };
        if let Some(token) = form_token(&page.body) {
            *self.token.lock().unwrap() = Some(token);
        }
        page
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("request succeeds");
        self.page(response).await
    }

    /// Posts a form the way a browser on our own site would.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.token.lock().unwrap().clone().unwrap_or_default();
        let token = if token.is_empty() {
            self.get("/login").await;
            self.token.lock().unwrap().clone().unwrap_or_default()
        } else {
            token
        };
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("authenticity_token", &token));
        self.post_raw(path, &form, Some(&self.address)).await
    }

    /// Posts exactly these fields with this Origin header (or none).
    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Page {
        let mut request = self
            .client
            .post(format!("{}{}", self.address, path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).unwrap());
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.expect("request succeeds");
        self.page(response).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.get("/login").await;
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }
}

fn form_token(body: &str) -> Option<String> {
    let marker = "name=\"authenticity_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')?;
    Some(body[start..end + start].to_owned())
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

/// The participant id of the organisation with this ODS code.
pub async fn participant_id(db: &DatabaseConnection, ods: &str) -> i32 {
    use gde::entities::{Organisations, Participants, organisation, participant};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let org = Organisations::find()
        .filter(organisation::Column::OdsCode.eq(ods))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    Participants::find()
        .filter(participant::Column::OrganisationId.eq(org.id))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Adds Guy's and St Thomas' (not in the seed) through the form, as an acute
/// fast follower (cap £5m), with its ODS code typed as `ods_code`.
pub async fn add_fast_follower(office: &Browser, ods_code: &str) -> Page {
    let page = office
        .post(
            "/participants",
            &[
                ("ods_code", ods_code),
                (
                    "organisation_name",
                    "Guy's and St Thomas' NHS Foundation Trust",
                ),
                ("region_code", "Y56"),
                ("role", "fast_follower"),
                ("sector", "acute"),
                ("wave", "Acute fast follower"),
                ("designated_on", "2017-09"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    page
}

/// A transaction for writing straight to the database in a test's set-up,
/// stamped with the instant its changes are recorded at (as every write to
/// a versioned table must be; see `gde::store::history`).
pub async fn stamped(db: &DatabaseConnection) -> sea_orm::DatabaseTransaction {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await.expect("begin");
    gde::store::history::stamp(&txn, gde::clock::now())
        .await
        .expect("stamp");
    txn
}
