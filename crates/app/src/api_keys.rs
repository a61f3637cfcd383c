//! Owns API keys: create (the secret is returned once), list, revoke, and authenticate.

use serde::Serialize;
use vitrine_db::{ApiKeyRecord, NewApiKey};
use vitrine_domain::{UserStatus, ValidationError};

use crate::throttle::API_KEY_FAILED;
use crate::tokens::{hash_token, random_token};
use crate::{Actor, App, AppError, AuthUser, AuthVia, RequestMeta};

/// Every key starts with this, so that leaked keys are easy to recognise and scan for.
pub const KEY_PREFIX: &str = "vt_";
/// `last_used_at` is written at most this often per key.
const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

impl From<&ApiKeyRecord> for ApiKeyView {
    fn from(k: &ApiKeyRecord) -> Self {
        Self {
            id: k.id,
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            created_at: k.created_at.to_rfc3339(),
            last_used_at: k.last_used_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// A new key with its secret, shown to its owner exactly once.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyView,
    pub secret: String,
}

fn validate_name(name: &str) -> Result<&str, ValidationError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "name",
            "must be 1 to 64 characters long",
        ));
    }
    Ok(name)
}

impl App {
    /// Checks that `secret` is a live key of the signed-in user (before it is written into
    /// a client configuration file for them).
    pub async fn check_own_api_key(&self, actor: &Actor, secret: &str) -> Result<(), AppError> {
        let user = actor.require_user()?;
        match self
            .authenticate_api_key(secret, &RequestMeta::default())
            .await
        {
            Ok(owner) if owner.id == user.id => Ok(()),
            Ok(_) | Err(AppError::InvalidApiKey) => Err(AppError::InvalidApiKey),
            Err(e) => Err(e),
        }
    }

    /// Creates a key for the actor (or, for the operator, for `owner`).
    pub async fn create_api_key(
        &self,
        actor: &Actor,
        owner: Option<&str>,
        name: &str,
        meta: &RequestMeta,
    ) -> Result<CreatedApiKey, AppError> {
        let user_id = match (actor, owner) {
            (Actor::User(u), None) => u.id,
            (_, Some(username)) => {
                actor.require_admin()?;
                self.user_by_name(username).await?.id
            }
            _ => return Err(AppError::Unauthenticated),
        };
        let name = validate_name(name)?;
        let secret = format!("{KEY_PREFIX}{}", random_token()?);
        let prefix: String = secret.chars().take(KEY_PREFIX.len() + 6).collect();
        let record = self
            .db
            .insert_api_key(NewApiKey {
                user_id,
                name,
                prefix: &prefix,
                secret_hash: &hash_token(&secret),
                now: self.clock.now(),
            })
            .await?;
        let details = serde_json::json!({ "key_id": record.id, "name": name });
        self.audit(
            actor.audit_id(),
            "api_key_created",
            Some(&prefix),
            meta,
            Some(details),
        )
        .await;
        Ok(CreatedApiKey {
            key: (&record).into(),
            secret,
        })
    }

    pub async fn list_api_keys(&self, actor: &Actor) -> Result<Vec<ApiKeyView>, AppError> {
        let u = actor.require_user()?;
        Ok(self
            .db
            .list_api_keys(u.id)
            .await?
            .iter()
            .map(Into::into)
            .collect())
    }

    /// Revokes one of the actor's own keys.
    pub async fn revoke_api_key(
        &self,
        actor: &Actor,
        key_id: i64,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let u = actor.require_user()?;
        if !self
            .db
            .revoke_api_key(u.id, key_id, self.clock.now())
            .await?
        {
            return Err(AppError::NotFound("API key"));
        }
        let details = serde_json::json!({ "key_id": key_id });
        self.audit(Some(u.id), "api_key_revoked", None, meta, Some(details))
            .await;
        Ok(())
    }

    /// Resolves a presented key to its owner; records the use. Wrong keys are counted per
    /// address: past the limit the answer is 429 instead of 401. Only failures are checked
    /// against the limit, so a valid key costs no extra query: keys are random 256-bit
    /// values, which no amount of guessing finds; the limit is there to stop a flood of bad
    /// keys costing us, and to tell a misconfigured client plainly.
    pub async fn authenticate_api_key(
        &self,
        secret: &str,
        meta: &RequestMeta,
    ) -> Result<AuthUser, AppError> {
        let secret = secret.trim();
        let found = if !secret.starts_with(KEY_PREFIX) || secret.len() > 128 {
            None
        } else {
            self.db.find_api_key_by_hash(&hash_token(secret)).await?
        };
        let Some(key) = found else {
            self.check_ip_throttle(API_KEY_FAILED, meta).await?;
            self.audit(None, API_KEY_FAILED, None, meta, None).await;
            return Err(AppError::InvalidApiKey);
        };
        let user = self
            .db
            .find_user(key.user_id)
            .await?
            .ok_or(AppError::InvalidApiKey)?;
        if user.status == UserStatus::Banned {
            return Err(AppError::Banned);
        }
        let now = self.clock.now();
        if key
            .last_used_at
            .is_none_or(|t| now.0 - t.0 >= TOUCH_EVERY_SECS)
        {
            self.db.touch_api_key(key.id, now).await?;
        }
        Ok(AuthUser {
            id: user.id,
            username: user.username,
            role: user.role,
            via: AuthVia::ApiKey { key_id: key.id },
            session_id: None,
        })
    }
}
