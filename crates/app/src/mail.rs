//! Owns sending e-mail: over SMTP, or as one `.eml` file per message in a directory (for tests,
//! and for operators who want to read what would be sent before turning SMTP on).

use std::fmt;
use std::path::PathBuf;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Dir(AsyncFileTransport<Tokio1Executor>),
}

/// Where and as whom the site sends e-mail.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// Shown in logs (never the SMTP password).
    describe: String,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe)
    }
}

/// An address that cannot be used as a sender or a recipient.
fn mailbox(address: &str) -> Result<Mailbox, String> {
    address
        .parse::<Mailbox>()
        .map_err(|e| format!("`{address}` is not an e-mail address ({e})"))
}

impl Mailer {
    /// Whether `from` can be a sender address.
    pub fn check_sender(from: &str) -> Result<(), String> {
        mailbox(from).map(drop)
    }

    /// Whether `url` describes an SMTP server (nothing is contacted).
    pub fn check_smtp_url(url: &str) -> Result<(), String> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map(drop)
            .map_err(|e| format!("not a usable SMTP URL ({e})"))
    }

    /// SMTP by URL: `smtps://USER:PASS@HOST:465`, `smtp://USER:PASS@HOST:587?tls=required`,
    /// or `smtp://HOST:25` (no TLS, for a relay on the same machine).
    pub fn smtp(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("not a usable SMTP URL ({e})"))?
            // A hung mail server must not hold a request's task for long.
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        Ok(Self {
            transport: Transport::Smtp(transport),
            from: mailbox(from)?,
            describe: format!("SMTP via {host}"),
        })
    }

    /// Writes every message to `dir` as `<uuid>.eml` instead of sending it.
    pub fn dir(dir: PathBuf, from: &str) -> Result<Self, String> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {} ({e})", dir.display()))?;
        // The messages hold live reset links: for the site's own user only.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("cannot restrict {} ({e})", dir.display()))?;
        }
        Ok(Self {
            describe: format!("files in {}", dir.display()),
            transport: Transport::Dir(AsyncFileTransport::new(dir)),
            from: mailbox(from)?,
        })
    }

    /// Sends a plain-text message. Errors are for the log: the person who asked must not learn
    /// from them whether an address exists.
    pub(crate) async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(mailbox(to)?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("cannot build the message ({e})"))?;
        match &self.transport {
            Transport::Smtp(t) => t.send(message).await.map(drop).map_err(|e| e.to_string()),
            Transport::Dir(t) => t.send(message).await.map(drop).map_err(|e| e.to_string()),
        }
    }
}
