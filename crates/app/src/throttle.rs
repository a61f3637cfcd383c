//! Owns throttling of failures (logins, password checks, unknown API keys) and sign-up attempts:
//! attempts are counted per target and per IP over a window, from the audit log (or Redis), so
//! all nodes agree. Failed sign-ins are counted so that strangers cannot lock an account's owner
//! out (see [`App::check_login_throttle`]).

use vitrine_db::AuditQuery;

use crate::{App, AppError, RequestMeta};

pub(crate) const LOGIN_FAILED: &str = "login_failed";
/// A successful sign-in (its address becomes a known address of the account).
pub(crate) const LOGIN_OK: &str = "login";
/// How long an address an account signed in from counts as known to it.
pub(crate) const KNOWN_ADDRESS_DAYS: i64 = 30;
/// A wrong current password when changing it (a stolen session must not guess it freely).
pub(crate) const PASSWORD_CHECK_FAILED: &str = "password_check_failed";
/// A request with an API key that does not exist.
pub(crate) const API_KEY_FAILED: &str = "api_key_failed";

impl App {
    /// Refuses with `Throttled` when a sign-in to `account` must wait. Three counts, over the
    /// login window:
    /// - failures from this address to any account (`max_failures_per_ip`);
    /// - failures from this address to this account (`max_failures_per_account`): whoever
    ///   guesses wrong is stopped, and nobody else is;
    /// - failures to this account from everywhere (`lock_account_after_failures`), against a
    ///   guess spread over many addresses: past it, only a client the account knows gets
    ///   through: a browser holding a known-browser mark of the account, or an address it
    ///   signed in from within [`KNOWN_ADDRESS_DAYS`] days.
    pub(crate) async fn check_login_throttle(
        &self,
        account: &str,
        user_id: Option<i64>,
        known_browser: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let p = &self.policy;
        let since = self.clock.now().minus_seconds(p.login_window_secs);
        let throttled = Err(AppError::Throttled {
            retry_after_secs: p.login_window_secs,
        });
        self.check_ip_throttle(LOGIN_FAILED, meta).await?;
        let from_here = match meta.ip.as_deref() {
            Some(ip) => AuditQuery::ByTargetAndIp(account, ip),
            // No address to tell clients apart: the account's count is all there is.
            None => AuditQuery::ByTarget(account),
        };
        if self.count_recent(LOGIN_FAILED, from_here, since).await? >= p.max_failures_per_account {
            return throttled;
        }
        let everywhere = self
            .count_recent(LOGIN_FAILED, AuditQuery::ByTarget(account), since)
            .await?;
        if everywhere >= p.lock_account_after_failures
            && !self
                .knows_client(account, user_id, known_browser, meta)
                .await?
        {
            return throttled;
        }
        Ok(())
    }

    /// Whether the client signed in to this account before: by its browser's mark, or by its
    /// address (a successful sign-in from there within the last [`KNOWN_ADDRESS_DAYS`] days).
    async fn knows_client(
        &self,
        account: &str,
        user_id: Option<i64>,
        known_browser: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<bool, AppError> {
        // Unknown accounts are answered like known ones that do not know this client.
        let Some(user_id) = user_id else {
            return Ok(false);
        };
        if let Some(mark) = known_browser
            && self.is_known_browser(mark, user_id).await?
        {
            return Ok(true);
        }
        let Some(ip) = meta.ip.as_deref() else {
            return Ok(false);
        };
        let since = self
            .clock
            .now()
            .minus_seconds(KNOWN_ADDRESS_DAYS * 24 * 3600);
        Ok(self
            .db
            .count_audit_since(LOGIN_OK, AuditQuery::ByTargetAndIp(account, ip), since)
            .await?
            > 0)
    }

    /// Sign-up attempts (created or not) per address and hour, counted from the audit log so
    /// every node agrees: an answer that depends on the address only.
    pub(crate) async fn check_signup_rate(&self, meta: &RequestMeta) -> Result<(), AppError> {
        let limit = self.policy.max_signup_attempts_per_ip_per_hour;
        let Some(ip) = meta.ip.as_deref().filter(|_| limit > 0) else {
            return Ok(());
        };
        let since = self.clock.now().minus_seconds(3600);
        let made = self
            .count_recent(crate::signup::SIGNUP_ATTEMPT, AuditQuery::ByIp(ip), since)
            .await?;
        if made >= limit {
            return Err(AppError::Throttled {
                retry_after_secs: 3600,
            });
        }
        Ok(())
    }

    /// Refuses with `Throttled` when this address sent too many unknown API keys lately
    /// (checked before reading a body that carries the key).
    pub async fn check_api_key_throttle(&self, meta: &RequestMeta) -> Result<(), AppError> {
        self.check_ip_throttle(API_KEY_FAILED, meta).await
    }

    /// The per-address half of the rule, for failures with no account to count against.
    pub(crate) async fn check_ip_throttle(
        &self,
        action: &str,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let p = &self.policy;
        let Some(ip) = meta.ip.as_deref() else {
            return Ok(());
        };
        let since = self.clock.now().minus_seconds(p.login_window_secs);
        if self
            .count_recent(action, AuditQuery::ByIp(ip), since)
            .await?
            >= p.max_failures_per_ip
        {
            return Err(AppError::Throttled {
                retry_after_secs: p.login_window_secs,
            });
        }
        Ok(())
    }

    /// The rule for any kind of failure (`action` in the audit log) against `target`.
    pub(crate) async fn check_throttle(
        &self,
        action: &str,
        target: &str,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let p = &self.policy;
        let since = self.clock.now().minus_seconds(p.login_window_secs);
        let by_target = self
            .count_recent(action, AuditQuery::ByTarget(target), since)
            .await?;
        if by_target >= p.max_failures_per_account {
            return Err(AppError::Throttled {
                retry_after_secs: p.login_window_secs,
            });
        }
        self.check_ip_throttle(action, meta).await
    }
}
