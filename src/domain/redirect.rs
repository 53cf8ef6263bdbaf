//! Where to send someone after they sign in: only a plain path on this site.
//!
//! The `next` value comes from a query string or a hidden form field, so an
//! attacker can set it. It is followed only when it is a path on this site:
//! it starts with exactly one `/`, holds no `\` (browsers read `/\host` as
//! `//host`), no `://`, no whitespace or control character (tab, CR, LF and
//! the rest: they split headers or are stripped by browsers to make `//`), and
//! nothing outside visible ASCII (percent-encode instead). Anything else
//! becomes `/`, the programme overview.
use std::fmt;

/// The longest `next` path followed; longer ones fall back to `/`.
pub const MAX_NEXT_LEN: usize = 2048;

/// A path on this site that is safe to redirect to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalPath(String);

impl LocalPath {
    /// The overview page, where every unsafe `next` ends up.
    pub fn home() -> LocalPath {
        LocalPath("/".to_owned())
    }

    /// `Some` only for a plain same-site path (see the module comment).
    pub fn parse(text: &str) -> Option<LocalPath> {
        let bytes = text.as_bytes();
        let plain = bytes.first() == Some(&b'/')
            && bytes.get(1) != Some(&b'/')
            && text.len() <= MAX_NEXT_LEN
            && bytes.iter().all(|b| b.is_ascii_graphic())
            && !text.contains('\\')
            && !text.contains("://");
        plain.then(|| LocalPath(text.to_owned()))
    }

    /// The path to follow after sign-in: `next` when it is safe, else `/`.
    pub fn or_home(next: Option<&str>) -> LocalPath {
        next.and_then(LocalPath::parse)
            .unwrap_or_else(LocalPath::home)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LocalPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn next(text: &str) -> String {
        LocalPath::or_home(Some(text)).to_string()
    }

    #[test]
    fn plain_paths_are_followed() {
        for path in [
            "/",
            "/participants",
            "/participants?role=fast-follower&sector=acute",
            "/returns/2018-Q1/RAL",
            "/participants/RAL#history",
            "/search?q=a%2Fb%20c",
        ] {
            assert_eq!(next(path), path);
        }
    }

    #[test]
    fn anything_else_goes_home() {
        for bad in [
            "",
            "participants",
            "//evil.example/",
            "///evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "/redirect?to=https://evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "/\u{0}",
            "/\u{7f}",
            "/\u{85}evil",
            "/caf\u{e9}",
            " /participants",
        ] {
            assert_eq!(next(bad), "/", "{bad:?} was followed");
        }
        assert_eq!(LocalPath::or_home(None), LocalPath::home());
        assert_eq!(next(&format!("/{}", "a".repeat(MAX_NEXT_LEN))), "/");
    }

    proptest! {
        #[test]
        fn whatever_comes_in_what_goes_out_is_a_plain_path(text in any::<String>()) {
            let out = next(&text);
            prop_assert!(out.starts_with('/'));
            prop_assert!(!out.starts_with("//"));
            prop_assert!(!out.contains('\\'));
            prop_assert!(!out.contains("://"));
            prop_assert!(out.bytes().all(|b| b.is_ascii_graphic()), "{:?}", out);
            prop_assert!(out == "/" || out == text);
        }

        #[test]
        fn ordinary_paths_survive(path in "/[A-Za-z0-9_-][A-Za-z0-9/_.?=&%-]{0,60}") {
            prop_assert_eq!(next(&path), path);
        }

        #[test]
        fn a_control_character_anywhere_is_refused(
            head in "/[a-z]{0,10}",
            c in prop::char::range('\u{0}', '\u{1f}'),
            tail in "[a-z/.]{0,10}",
        ) {
            prop_assert_eq!(next(&format!("{head}{c}{tail}")), "/");
        }
    }
}
