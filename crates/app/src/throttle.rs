//! Owns throttling of failures (logins, password checks, unknown API keys) and sign-up attempts:
//! attempts are counted per target and per IP over a window, from the audit log (or Redis), so
//! all nodes agree.

use vitrine_db::AuditQuery;

use crate::{App, AppError, RequestMeta};

pub(crate) const LOGIN_FAILED: &str = "login_failed";
/// A wrong current password when changing it (a stolen session must not guess it freely).
pub(crate) const PASSWORD_CHECK_FAILED: &str = "password_check_failed";
/// A request with an API key that does not exist.
pub(crate) const API_KEY_FAILED: &str = "api_key_failed";

impl App {
    /// Refuses with `Throttled` when the account or the IP has too many recent failures.
    pub(crate) async fn check_login_throttle(
        &self,
        account: &str,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        self.check_throttle(LOGIN_FAILED, account, meta).await
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
