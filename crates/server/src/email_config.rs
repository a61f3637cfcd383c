//! Owns the `[email]` settings: where the site's e-mail (password reset and sign-up links) goes
//! and who it comes from. With neither an SMTP server nor a directory, no e-mail is sent,
//! password reset by e-mail is off (an operator still sets passwords with `vitrine user
//! passwd`) and sign-up collects no address.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use vitrine_app::Mailer;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// `smtps://USER:PASSWORD@HOST:465` (TLS), `smtp://USER:PASSWORD@HOST:587?tls=required`
    /// (STARTTLS), or `smtp://HOST:25` (no TLS: only for a relay on the same machine).
    pub smtp_url: Option<String>,
    /// Instead of sending, write each message as a `.eml` file in this directory (to test, or
    /// to read what would be sent before turning SMTP on).
    pub dir: Option<PathBuf>,
    /// The sender, `Name <address>` or `address`. Default: `noreply@` the site's host.
    pub from: Option<String>,
}

impl EmailConfig {
    /// The setting at fault and why, if any.
    pub fn problem(&self, site_host: &str) -> Option<(&'static str, String)> {
        let smtp = self.smtp_url.as_deref().filter(|u| !u.is_empty());
        if smtp.is_some() && self.dir.is_some() {
            return Some((
                "email.dir",
                "set either `email.smtp_url` or `email.dir`, not both".to_owned(),
            ));
        }
        if (smtp.is_some() || self.dir.is_some())
            && let Err(why) = Mailer::check_sender(&self.sender(site_host))
        {
            return Some(("email.from", why));
        }
        if let Some(url) = smtp
            && let Err(why) = Mailer::check_smtp_url(url)
        {
            return Some(("email.smtp_url", why));
        }
        None
    }

    fn sender(&self, site_host: &str) -> String {
        self.from
            .clone()
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| format!("noreply@{site_host}"))
    }

    /// The mailer these settings describe, or `None` when e-mail is off.
    pub fn mailer(&self, site_host: &str) -> Result<Option<Mailer>, String> {
        let from = self.sender(site_host);
        match (
            self.smtp_url.as_deref().filter(|u| !u.is_empty()),
            &self.dir,
        ) {
            (Some(url), _) => Mailer::smtp(url, &from).map(Some),
            (None, Some(dir)) => Mailer::dir(dir.clone(), &from).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// The same settings with the SMTP password hidden.
    pub fn redacted(&self) -> Self {
        Self {
            smtp_url: self.smtp_url.as_deref().map(vitrine_db::redact_url),
            ..self.clone()
        }
    }
}
