//! Owns the rules for accounts: usernames (with reserved route names), e-mail addresses,
//! passwords, roles and account states. Never touches storage.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Names that would collide with site routes (`/{username}` is a profile URL).
const RESERVED: &[&str] = &[
    "about",
    "account",
    "admin",
    "album",
    "albums",
    "api",
    "assets",
    "category",
    "categories",
    "contact",
    "dashboard",
    "delete",
    "explore",
    "favicon.ico",
    "feed",
    "following",
    "healthz",
    "help",
    "i",
    "image",
    "images",
    "import",
    "login",
    "logout",
    "me",
    "media",
    "metrics",
    "moderation",
    "new",
    "notifications",
    "oembed",
    "page",
    "pages",
    "password",
    "privacy",
    "random",
    "readyz",
    "robots.txt",
    "root",
    "rss",
    "search",
    "settings",
    "setup",
    "share",
    "signup",
    "sitemap",
    "static",
    "support",
    "system",
    "tag",
    "tags",
    "terms",
    "upload",
    "uploads",
    "user",
    "users",
    "video",
    "videos",
    "vitrine",
    "www",
];

/// A validated username: 3-32 characters of `a-z 0-9 _ -`, case folded, not a route name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let name = Self::from_stored(input)?;
        if RESERVED.contains(&name.0.as_str()) {
            return Err(ValidationError::new("username", "this name is reserved"));
        }
        Ok(name)
    }

    /// Reads a stored name back: the shape is checked, the reserved list is not, because
    /// it may grow after accounts were created.
    pub fn from_stored(input: &str) -> Result<Self, ValidationError> {
        let folded = input.trim().to_lowercase();
        let len = folded.chars().count();
        if !(3..=32).contains(&len) {
            return Err(ValidationError::new(
                "username",
                "must be 3 to 32 characters long",
            ));
        }
        if !folded
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err(ValidationError::new(
                "username",
                "may only contain letters a-z, digits, '_' and '-'",
            ));
        }
        Ok(Self(folded))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Username> for String {
    fn from(value: Username) -> Self {
        value.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A plausibly valid e-mail address, lower-cased. Deliverability is proven by mail, not regex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let e = input.trim().to_lowercase();
        let bad = || ValidationError::new("email", "is not a valid e-mail address");
        if e.len() > 254 || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = e.rsplit_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.contains('@')
            || domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad());
        }
        Ok(Self(e))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that meets the policy. Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    /// Bounded so that hashing cost cannot be driven up by huge inputs.
    pub const MAX_BYTES: usize = 1024;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        if input.chars().count() < Self::MIN_CHARS {
            return Err(ValidationError::new(
                "password",
                format!("must be at least {} characters long", Self::MIN_CHARS),
            ));
        }
        if input.len() > Self::MAX_BYTES {
            return Err(ValidationError::new(
                "password",
                format!("must be at most {} bytes long", Self::MAX_BYTES),
            ));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// What an account may do on the site. Ordered: admin > manager > user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Manager,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// Staff (managers and admins) moderate content.
    pub fn is_staff(self) -> bool {
        self >= Role::Manager
    }
}

impl FromStr for Role {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "user" => Ok(Role::User),
            "manager" => Ok(Role::Manager),
            "admin" => Ok(Role::Admin),
            _ => Err(ValidationError::new(
                "role",
                "must be one of admin, manager, user",
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an account may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Banned,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Banned => "banned",
        }
    }
}

impl FromStr for UserStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(UserStatus::Active),
            "banned" => Ok(UserStatus::Banned),
            _ => Err(ValidationError::new("status", "must be active or banned")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Alice", Some("alice")),
            ("  bob_99 ", Some("bob_99")),
            ("a-b", Some("a-b")),
            ("ab", None),
            (&"x".repeat(33), None),
            ("has space", None),
            ("émile", None),
            ("admin", None),
            ("API", None),
            ("signup", None),
            ("i", None),
        ];
        for (input, want) in cases {
            let got = Username::parse(input).ok().map(|u| u.as_str().to_owned());
            assert_eq!(got.as_deref(), *want, "input {input:?}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Bob@Example.COM ").map(|e| e.to_string()),
            Ok("bob@example.com".to_owned())
        );
        for bad in [
            "",
            "bob",
            "bob@",
            "@x.org",
            "a b@x.org",
            "bob@x",
            "bob@x..org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("long enough").is_ok());
        assert!(Password::parse(&"x".repeat(2000)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret123").ok()),
            "Some(Password(***))"
        );
    }

    #[test]
    fn roles_order_and_parse() {
        assert!(Role::Admin > Role::Manager && Role::Manager > Role::User);
        assert_eq!("ADMIN".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
        assert!(Role::Manager.is_staff() && !Role::User.is_staff());
    }
}
