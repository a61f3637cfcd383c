//! Owns the session cookie: its name, attributes and parsing.

use axum::http::{HeaderMap, HeaderValue, header};
use vitrine_app::NewSession;

pub const SESSION_COOKIE: &str = "vitrine_session";

/// The session token from the `Cookie` header, if any.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    get(headers, SESSION_COOKIE)
}

/// Carries a new API key's secret from the form post to the page that shows it once (so a
/// reload cannot create a second key). Scoped to /settings, HttpOnly, two minutes.
pub const NEW_KEY_COOKIE: &str = "vitrine_new_key";

pub fn set_new_key(secret: &str, secure: bool) -> Option<HeaderValue> {
    let s = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{NEW_KEY_COOKIE}={secret}; Path=/settings; HttpOnly; SameSite=Strict; Max-Age=120{s}"
    ))
    .ok()
}

pub fn clear_new_key() -> HeaderValue {
    HeaderValue::from_static(
        "vitrine_new_key=; Path=/settings; HttpOnly; SameSite=Strict; Max-Age=0",
    )
}

/// A cookie's value from the `Cookie` header, if present and non-empty.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, Secure on https, persistent only
/// for remember-me.
pub fn set_session(session: &NewSession, secure: bool) -> Option<HeaderValue> {
    let mut c = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax",
        session.token
    );
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = session.cookie_max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).ok()
}

/// Marks a browser that signed in to an account, so that it can still sign in while failures
/// from elsewhere hold the account locked. Outlives sign-out on purpose (it is no credential).
pub const KNOWN_BROWSER_COOKIE: &str = "vitrine_known";

pub fn known_browser(headers: &HeaderMap) -> Option<String> {
    get(headers, KNOWN_BROWSER_COOKIE).map(str::to_owned)
}

/// `Set-Cookie` for the known-browser mark of a new session.
pub fn set_known_browser(session: &NewSession, secure: bool) -> Option<HeaderValue> {
    let s = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{KNOWN_BROWSER_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{s}",
        session.known_browser,
        vitrine_app::KNOWN_BROWSER_TTL_SECS
    ))
    .ok()
}

/// The `Set-Cookie` headers of a new session: the session and the known-browser mark.
pub fn for_new_session(session: &NewSession, secure: bool) -> Vec<HeaderValue> {
    [
        set_session(session, secure),
        set_known_browser(session, secure),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "vitrine_session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0",
        )
    } else {
        HeaderValue::from_static("vitrine_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}

/// Holds a visitor's album password grants (the grants themselves are in the database).
pub const UNLOCK_COOKIE: &str = "vitrine_unlock";

pub fn unlock_token(headers: &HeaderMap) -> Option<&str> {
    get(headers, UNLOCK_COOKIE)
}

pub fn set_unlock(token: &str, secure: bool) -> Option<HeaderValue> {
    let s = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{UNLOCK_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{s}",
        vitrine_app::UNLOCK_TTL_SECS
    ))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_among_other_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; vitrine_session=abc; b=2"),
        );
        assert_eq!(session_token(&h), Some("abc"));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("vitrine_session="));
        assert_eq!(session_token(&h), None);
    }

    #[test]
    fn cookie_attributes() {
        let s = NewSession {
            token: "t".into(),
            cookie_max_age_secs: Some(60),
            known_browser: "1.2.ab".into(),
        };
        let v = set_session(&s, true).map(|v| v.to_str().unwrap_or_default().to_owned());
        assert_eq!(
            v.as_deref(),
            Some("vitrine_session=t; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60")
        );
        let s = NewSession {
            token: "t".into(),
            cookie_max_age_secs: None,
            known_browser: "1.2.ab".into(),
        };
        let v = set_session(&s, false).map(|v| v.to_str().unwrap_or_default().to_owned());
        assert_eq!(
            v.as_deref(),
            Some("vitrine_session=t; Path=/; HttpOnly; SameSite=Lax")
        );
    }
}
