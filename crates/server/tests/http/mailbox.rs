//! Reading the site's e-mail in tests: the `.eml` files the `email.dir` transport writes (or an
//! SMTP server's maildir), oldest first, and the links in them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::TestApp;

/// Where a site started with `email.dir` writes its messages.
pub fn mail_dir(app: &TestApp) -> PathBuf {
    app.server
        .state
        .config
        .email
        .dir
        .clone()
        .unwrap_or_else(|| app.data_dir().join("mail"))
}

/// Every file in `dir` as a message, oldest first (decoded enough to read: soft line breaks
/// of quoted-printable joined).
pub fn messages_in(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .replace("=\r\n", "")
        })
        .collect()
}

/// Waits for the `n`th message (they are sent after the answer).
pub async fn wait_for_message(dir: &Path, n: usize) -> String {
    for _ in 0..100 {
        if let Some(m) = messages_in(dir).get(n - 1) {
            return m.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("message {n} never arrived in {}", dir.display());
}

/// Waits for the newest message to `to` whose text contains `needle`.
pub async fn wait_for_message_to(dir: &Path, to: &str, needle: &str) -> String {
    for _ in 0..100 {
        let found = messages_in(dir)
            .into_iter()
            .rev()
            .find(|m| m.contains(&format!("To: {to}")) && m.contains(needle));
        if let Some(m) = found {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no message to {to} with {needle:?} in {}", dir.display());
}

/// The secret at the end of the message's link that starts with `prefix` (a full URL).
pub fn token_after(message: &str, prefix: &str) -> String {
    let start = message.find(prefix).expect("a link") + prefix.len();
    message[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Removes every message (so a test counts only what it causes after this).
pub fn clear(dir: &Path) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let _ = std::fs::remove_file(entry.path());
    }
}
