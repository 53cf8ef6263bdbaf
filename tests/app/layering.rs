//! The layering rules of DESIGN.md ("One door to the database"), read off
//! the source: services are the only door to the entities and the store;
//! views, reports, charts and the domain never reach back into the web
//! layer; the domain, charts, views and reports know nothing of the database.
//! Every `.rs` file under `src/` is checked.
use std::path::{Path, PathBuf};

/// Top-level modules allowed to name `crate::entities` and `crate::store`.
const DOOR: &[&str] = &["services", "store", "seed", "entities"];

struct Rule {
    /// Which files it applies to, by their first path component under src/.
    applies: fn(&str) -> bool,
    /// Module paths those files must not use, as written after `crate::`
    /// (or, for outside crates, from the start of a path).
    forbidden: &'static [&'static str],
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        applies: |top| !DOOR.contains(&top),
        forbidden: &["crate::entities", "crate::store"],
        why: "only services/ (and store/, seed/) touch the entities and the store; call a service",
    },
    Rule {
        applies: |top| matches!(top, "views" | "reports" | "charts" | "domain"),
        forbidden: &["crate::http"],
        why: "views, reports, charts and the domain do not depend on the web layer",
    },
    Rule {
        applies: |top| matches!(top, "domain" | "charts" | "views" | "reports"),
        forbidden: &["sea_orm"],
        why: "only the door to the database knows the database",
    },
    Rule {
        applies: |top| matches!(top, "domain" | "charts"),
        forbidden: &["axum"],
        why: "the domain and charts are pure: no web framework",
    },
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments, so prose may mention any module.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path the code names, with grouped imports spelled out:
/// `use crate::{entities::x, store}` names `crate::entities::x` and `crate::store`.
fn paths(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut lines = Vec::with_capacity(bytes.len());
    let mut line = 1;
    for c in &bytes {
        lines.push(line);
        if *c == '\n' {
            line += 1;
        }
    }
    let line_at = |i: usize| lines[i];
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !(is_ident(bytes[i - 1]) || bytes[i - 1] == ':');
        if !starts_word || !is_ident(bytes[i]) {
            i += 1;
            continue;
        }
        // A path: identifiers joined by `::`, possibly ending in a `{ … }` group.
        let start = i;
        let mut prefix = String::new();
        loop {
            while i < bytes.len() && is_ident(bytes[i]) {
                prefix.push(bytes[i]);
                i += 1;
            }
            let rest: String = bytes[i..bytes.len().min(i + 2)].iter().collect();
            if rest != "::" {
                break;
            }
            prefix.push_str("::");
            i += 2;
            while i < bytes.len() && bytes[i].is_whitespace() {
                i += 1;
            }
            if i < bytes.len() && bytes[i] == '{' {
                let mut depth = 0;
                let open = i;
                while i < bytes.len() {
                    match bytes[i] {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                let inner: String = bytes[open + 1..i].iter().collect();
                for (_, item) in paths(&inner) {
                    out.push((line_at(start), format!("{prefix}{item}")));
                }
                break;
            }
        }
        if !prefix.is_empty() {
            out.push((line_at(start), prefix));
        }
    }
    out
}

fn named(path: &str, module: &str) -> bool {
    path == module || path.starts_with(&format!("{module}::"))
}

#[test]
fn each_layer_uses_only_what_it_may() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(
        files.len() > 50,
        "found only {} files under src/",
        files.len()
    );
    let mut broken = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap()
            .trim_end_matches(".rs");
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let used = paths(&code);
        for rule in RULES.iter().filter(|r| (r.applies)(top)) {
            for (line, path) in &used {
                if let Some(module) = rule.forbidden.iter().find(|m| named(path, m)) {
                    broken.push(format!(
                        "src/{}:{line}: uses {module}: {}",
                        relative.display(),
                        rule.why
                    ));
                }
            }
        }
    }
    // One line per breach, however many names one `use` brings in.
    broken.dedup();
    assert!(
        broken.is_empty(),
        "{} layering breaches:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn grouped_imports_are_read_as_paths() {
    let found: Vec<String> = paths("use crate::{entities::{self, Users}, store};\nlet x = a::b;")
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert!(
        found.iter().any(|p| p == "crate::entities::Users"),
        "{found:?}"
    );
    assert!(found.iter().any(|p| p == "crate::store"), "{found:?}");
    assert!(found.iter().any(|p| p == "a::b"), "{found:?}");
    assert!(named("crate::store::programme", "crate::store"));
    assert!(!named("crate::stores", "crate::store"));
}
