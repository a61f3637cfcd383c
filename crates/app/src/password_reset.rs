//! Owns password reset by e-mail: a request sends a single-use link, valid for an hour, to the
//! account's address; following it sets a new password and ends every session of the account.
//! Requests are limited per account (silently: no more messages) and per address (429), counted
//! from the audit log so every node agrees, and answer the same whether or not the account
//! exists.

use vitrine_db::{AuditQuery, UserRecord};
use vitrine_domain::{Password, UserStatus, ValidationError};

use crate::tokens::{hash_token, random_token};
use crate::{App, AppError, RequestMeta};

pub(crate) const RESET_REQUESTED: &str = "password_reset_requested";
/// A reset link that is unknown, expired or already used.
pub(crate) const RESET_LINK_FAILED: &str = "password_reset_link_failed";

/// What the message needs to say where it comes from.
#[derive(Debug, Clone)]
pub struct ResetLinkBase {
    /// The site's own URL, for the message (`https://img.example.org`).
    pub site_url: String,
    /// The link without its secret (`https://img.example.org/reset/`).
    pub link_prefix: String,
}

impl App {
    /// Whether this site can send reset links (it has somewhere to send e-mail).
    pub fn password_reset_enabled(&self) -> bool {
        self.mailer.is_some()
    }

    /// Sends a reset link to the account named by `login` (username or e-mail address), if
    /// there is one. Answers alike for every name, so it tells no one which accounts exist:
    /// an account that had its hourly links gets the usual answer and no message, and the
    /// link is made and sent after the answer.
    #[tracing::instrument(skip_all)]
    pub async fn request_password_reset(
        &self,
        login: &str,
        base: ResetLinkBase,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let Some(mailer) = self.mailer.clone() else {
            return Err(AppError::PasswordResetUnavailable);
        };
        let login = login.trim();
        // 254: the longest e-mail address, and short enough for the audit log's target.
        if login.is_empty() || login.chars().count() > 254 {
            return Err(
                ValidationError::new("login", "enter your username or e-mail address").into(),
            );
        }
        // One request at a time per address (so parallel requests all see each other in the
        // count), then per account.
        let ip_lock = meta
            .ip
            .as_deref()
            .map(|ip| self.flights.lock_for(&format!("reset-ip:{ip}")));
        let _ip_turn = match &ip_lock {
            Some(l) => Some(l.lock().await),
            None => None,
        };
        self.check_reset_rate_by_ip(meta).await?;
        let user = self.db.find_user_by_login(login).await?;
        // Counted against the account whichever way it was named (and unknown names alike).
        let account = user
            .as_ref()
            .map_or_else(|| login.to_lowercase(), |u| u.username.to_string());
        let lock = self.flights.lock_for(&format!("reset:{account}"));
        let _turn = lock.lock().await;
        let since = self.clock.now().minus_seconds(3600);
        let earlier = self
            .count_recent(RESET_REQUESTED, AuditQuery::ByTarget(&account), since)
            .await?;
        self.audit(
            user.as_ref().map(|u| u.id),
            RESET_REQUESTED,
            Some(&account),
            meta,
            None,
        )
        .await;
        // An account signed up without an address has nowhere to be sent a link.
        let Some(user) = user.filter(|u| u.status != UserStatus::Banned && u.email.is_some())
        else {
            return Ok(());
        };
        if earlier >= self.policy.max_resets_per_account_per_hour {
            tracing::info!(user = %user.username, "password reset not sent: hourly limit reached");
            return Ok(());
        }
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(e) = app.send_reset_link(&mailer, &user, &base).await {
                tracing::warn!(error = %e, mailer = ?mailer, "a password reset e-mail was not sent");
            }
        });
        Ok(())
    }

    /// Makes a link for `user` and mails it.
    async fn send_reset_link(
        &self,
        mailer: &crate::Mailer,
        user: &UserRecord,
        base: &ResetLinkBase,
    ) -> Result<(), String> {
        let Some(to) = user.email.as_ref() else {
            return Err("the account has no e-mail address".to_owned());
        };
        let token = random_token().map_err(|e| e.to_string())?;
        let now = self.clock.now();
        let ttl = self.policy.reset_link_ttl_secs;
        self.db
            .insert_password_reset(&hash_token(&token), user.id, now, now.plus_seconds(ttl))
            .await
            .map_err(|e| e.to_string())?;
        let site = self.site_settings().await.map_err(|e| e.to_string())?.name;
        let subject = format!("Reset your password on {site}");
        let body = reset_message(user, &site, base, &token, ttl);
        mailer.send(to.as_str(), &subject, body).await
    }

    /// The account an unused, unexpired reset link is for (the form greets it by name).
    pub async fn password_reset_account(
        &self,
        token: &str,
        meta: &RequestMeta,
    ) -> Result<UserRecord, AppError> {
        self.check_ip_throttle(RESET_LINK_FAILED, meta).await?;
        let found = self
            .db
            .password_reset_user(&hash_token(token), self.clock.now())
            .await?;
        match found {
            Some(id) => self
                .db
                .find_user(id)
                .await?
                .ok_or(AppError::ResetLinkInvalid),
            None => Err(self.reset_link_failed(meta).await),
        }
    }

    /// Sets a new password through a reset link, which is then used up along with every other
    /// link and every session of the account.
    pub async fn complete_password_reset(
        &self,
        token: &str,
        new: &str,
        confirm: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<UserRecord, AppError> {
        self.check_ip_throttle(RESET_LINK_FAILED, meta).await?;
        // Checked before the link is used up, so a refused password does not cost the link.
        let new = Password::parse(new)?;
        if confirm.is_some_and(|c| c != new.expose()) {
            return Err(
                ValidationError::new("password_confirm", "the passwords do not match").into(),
            );
        }
        let now = self.clock.now();
        let Some(user_id) = self.db.take_password_reset(&hash_token(token), now).await? else {
            return Err(self.reset_link_failed(meta).await);
        };
        let user = self
            .db
            .find_user(user_id)
            .await?
            .ok_or(AppError::ResetLinkInvalid)?;
        if user.status == UserStatus::Banned {
            return Err(AppError::Banned);
        }
        let hash = self.hasher.hash(new.expose()).await?;
        self.db.set_password_hash(user.id, hash, None, now).await?;
        self.audit(
            Some(user.id),
            "password_reset_by_link",
            Some(user.username.as_str()),
            meta,
            None,
        )
        .await;
        Ok(user)
    }

    async fn reset_link_failed(&self, meta: &RequestMeta) -> AppError {
        self.audit(None, RESET_LINK_FAILED, None, meta, None).await;
        AppError::ResetLinkInvalid
    }

    /// Reset requests from this address within the last hour (an answer that depends on the
    /// address only, so it tells nothing about accounts).
    async fn check_reset_rate_by_ip(&self, meta: &RequestMeta) -> Result<(), AppError> {
        let Some(ip) = meta.ip.as_deref() else {
            return Ok(());
        };
        let since = self.clock.now().minus_seconds(3600);
        let from_ip = self
            .count_recent(RESET_REQUESTED, AuditQuery::ByIp(ip), since)
            .await?;
        if from_ip >= self.policy.max_resets_per_ip_per_hour {
            return Err(AppError::Throttled {
                retry_after_secs: 3600,
            });
        }
        Ok(())
    }
}

/// The message: plain text, so nothing in it (the site's or the user's names) can be markup.
fn reset_message(
    user: &UserRecord,
    site: &str,
    base: &ResetLinkBase,
    token: &str,
    ttl_secs: i64,
) -> String {
    let greeting = user
        .display_name
        .as_deref()
        .unwrap_or(user.username.as_str());
    format!(
        "Hello {greeting},\n\n\
         Someone asked to reset the password of the account \"{name}\" on {site} ({url}).\n\
         To choose a new password, open this link within {minutes} minutes (it works once):\n\n\
         {prefix}{token}\n\n\
         If you did not ask for this, ignore this message: your password stays as it is.\n",
        name = user.username.as_str(),
        url = &base.site_url,
        minutes = ttl_secs / 60,
        prefix = &base.link_prefix,
    )
}
