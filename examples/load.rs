//! A small HTTP load tool for `scripts/load-test`: signs in once (the sign-in
//! form with its CSRF token, as a browser does), then for each path keeps N
//! connections busy for a while and prints one line per path: requests,
//! errors, requests per second, p50 and p99 latency.
//!
//! Every answer's status is checked: anything but 200 is an error, so a
//! session that expired (303 to the sign-in page) never counts as a fast
//! page. Bodies are read to the end, as a browser would.
//!
//! `--base` may be given more than once (app instances sharing one
//! database): connection i asks the i-th instance (round robin), and after
//! a change the requests alternate between them, so each answer after a
//! change made through one instance may come from another.
//!
//! With `--after-change CMD`, each path is instead asked for `--repeats`
//! times (default 10), one request at a time, each right after running the
//! shell command CMD (which changes the data): the cost of the first request
//! after a change, when nothing cached can be used.
//!
//! Without it, each path is first asked for once on each instance, untimed
//! (an error there still counts): the timed run measures the programme as
//! cached while unchanged, and the one computation a change costs is
//! what `--after-change` measures.
//!
//! ```text
//! cargo run --release --example load -- --base http://127.0.0.1:3100 \
//!     --email load@example.org --password-env LOAD_PASSWORD \
//!     --connections 32 --seconds 10 / /participants /healthz
//! ```
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    /// The first instance (signed in there); `bases` holds every instance.
    base: String,
    bases: Vec<String>,
    email: String,
    password: String,
    connections: usize,
    seconds: f64,
    after_change: Option<String>,
    repeats: usize,
    paths: Vec<String>,
}

fn args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut args = Args {
        base: "http://127.0.0.1:3100".into(),
        bases: Vec::new(),
        email: String::new(),
        password: String::new(),
        connections: 1,
        seconds: 10.0,
        after_change: None,
        repeats: 10,
        paths: Vec::new(),
    };
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--base" => args.bases.push(value("--base")?),
            "--email" => args.email = value("--email")?,
            "--password-env" => {
                let var = value("--password-env")?;
                args.password = std::env::var(&var).map_err(|_| format!("{var} is not set"))?;
            }
            "--connections" => {
                args.connections = value("--connections")?
                    .parse()
                    .map_err(|_| "--connections: a whole number".to_owned())?
            }
            "--seconds" => {
                args.seconds = value("--seconds")?
                    .parse()
                    .map_err(|_| "--seconds: a number".to_owned())?
            }
            "--after-change" => args.after_change = Some(value("--after-change")?),
            "--repeats" => {
                args.repeats = value("--repeats")?
                    .parse()
                    .map_err(|_| "--repeats: a whole number".to_owned())?
            }
            path if path.starts_with('/') => args.paths.push(path.to_owned()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if let Some(first) = args.bases.first() {
        args.base = first.clone();
    } else {
        args.bases.push(args.base.clone());
    }
    if args.paths.is_empty() {
        return Err("give at least one path, e.g. /participants".into());
    }
    Ok(args)
}

fn form_token(body: &str) -> Option<String> {
    let marker = "name=\"authenticity_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_owned())
}

async fn sign_in(client: &reqwest::Client, a: &Args) -> Result<(), String> {
    let page = client
        .get(format!("{}/login", a.base))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let token = form_token(&page).ok_or("no form token on /login")?;
    let form = serde_urlencoded::to_string([
        ("email", a.email.as_str()),
        ("password", a.password.as_str()),
        ("authenticity_token", token.as_str()),
    ])
    .map_err(|e| e.to_string())?;
    let answer = client
        .post(format!("{}/login", a.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &a.base)
        .body(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    // Signed in: a 303 to the page asked for (or `/`), not back to /login.
    let to = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if answer.status().as_u16() != 303 || to.starts_with("/login") {
        return Err(format!(
            "sign-in failed: {} to {to:?}",
            answer.status().as_u16()
        ));
    }
    Ok(())
}

struct Result_ {
    latencies_us: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

impl Result_ {
    fn new() -> Result_ {
        Result_ {
            latencies_us: Vec::new(),
            errors: 0,
            first_error: None,
        }
    }

    /// One request, timed and checked.
    async fn ask(&mut self, client: &reqwest::Client, url: &str) {
        let start = Instant::now();
        let answer = client.get(url).send().await;
        let outcome = match answer {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(_) if status == 200 => Ok(()),
                    Ok(_) => Err(format!("status {status}")),
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(e) => Err(e.to_string()),
        };
        let took = start.elapsed().as_micros() as u64;
        match outcome {
            Ok(()) => self.latencies_us.push(took),
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }
}

async fn drive(client: reqwest::Client, url: String, until: Instant) -> Result_ {
    let mut out = Result_::new();
    while Instant::now() < until {
        out.ask(&client, &url).await;
    }
    out
}

/// Each request right after `command` changed the data, from each of
/// `urls` in turn.
async fn after_changes(
    client: &reqwest::Client,
    urls: &[String],
    command: &str,
    repeats: usize,
) -> Result_ {
    let mut out = Result_::new();
    for i in 0..repeats {
        let url = &urls[i % urls.len()];
        let command = command.to_owned();
        let changed = tokio::task::spawn_blocking(move || {
            std::process::Command::new("sh")
                .args(["-c", &command])
                .status()
        })
        .await;
        if !changed.is_ok_and(|s| s.is_ok_and(|s| s.success())) {
            out.errors += 1;
            out.first_error
                .get_or_insert("the change command failed".into());
            continue;
        }
        out.ask(client, url).await;
    }
    out
}

fn percentile(sorted: &[u64], p: usize) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = (sorted.len() * p / 100).min(sorted.len() - 1);
    sorted[i] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar)
        .pool_max_idle_per_host(a.connections.max(1))
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client");
    if let Err(e) = sign_in(&client, &a).await {
        eprintln!("load: {e}");
        std::process::exit(1);
    }
    let mut failed = false;
    println!("path\tconnections\trequests\terrors\treq_per_s\tp50_ms\tp99_ms\tfirst_error");
    for path in &a.paths {
        let urls: Vec<String> = a.bases.iter().map(|b| format!("{b}{path}")).collect();
        let mut warm = Result_::new();
        if a.after_change.is_none() {
            for url in &urls {
                warm.ask(&client, url).await;
            }
        }
        let start = Instant::now();
        let until = start + Duration::from_secs_f64(a.seconds);
        let mut latencies = Vec::new();
        let mut errors = warm.errors;
        let mut first_error = warm.first_error;
        let results = match &a.after_change {
            Some(command) => vec![after_changes(&client, &urls, command, a.repeats).await],
            None => {
                let tasks: Vec<_> = (0..a.connections)
                    .map(|i| {
                        let url = urls[i % urls.len()].clone();
                        tokio::spawn(drive(client.clone(), url, until))
                    })
                    .collect();
                let mut results = Vec::new();
                for task in tasks {
                    results.push(task.await.expect("a load task"));
                }
                results
            }
        };
        for r in results {
            latencies.extend(r.latencies_us);
            errors += r.errors;
            if first_error.is_none() {
                first_error = r.first_error;
            }
        }
        let elapsed = start.elapsed().as_secs_f64();
        latencies.sort_unstable();
        let ok = latencies.len() as f64;
        failed |= errors > 0;
        println!(
            "{path}\t{}\t{}\t{errors}\t{:.1}\t{:.2}\t{:.2}\t{}",
            if a.after_change.is_some() {
                "1, after a change".to_owned()
            } else {
                a.connections.to_string()
            },
            latencies.len() as u64 + errors,
            ok / elapsed,
            percentile(&latencies, 50),
            percentile(&latencies, 99),
            first_error.unwrap_or_default()
        );
    }
    if failed {
        std::process::exit(3);
    }
}
