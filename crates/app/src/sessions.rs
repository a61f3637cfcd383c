//! Owns browser sessions: opening one at login, resolving the cookie on each request (sliding
//! expiry, banned accounts refused), and housekeeping.

use vitrine_db::SessionRecord;
use vitrine_domain::UserStatus;

use crate::tokens::{hash_token, random_token};
use crate::{App, AppError, AuthUser, AuthVia, RequestMeta};

/// Sessions are touched at most this often, so reads do not each cost a write.
const TOUCH_EVERY_SECS: i64 = 60;

/// A freshly opened session: the cookie token (never stored) and how long the cookie lives.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    /// `Some` for remember-me (a persistent cookie), `None` for a browser-session cookie.
    pub cookie_max_age_secs: Option<i64>,
    /// The known-browser mark for the cookie that outlives the session (see `known_browser`).
    pub known_browser: String,
}

impl App {
    pub(crate) async fn open_session(
        &self,
        user_id: i64,
        remember: bool,
        meta: &RequestMeta,
    ) -> Result<NewSession, AppError> {
        let token = random_token()?;
        let now = self.clock.now();
        let ttl = self.session_ttl(remember);
        self.db
            .insert_session(&SessionRecord {
                id: hash_token(&token),
                user_id,
                created_at: now,
                expires_at: now.plus_seconds(ttl),
                last_seen_at: now,
                remember,
                ip: meta.ip.clone(),
                user_agent: meta
                    .user_agent
                    .as_ref()
                    .map(|ua| ua.chars().take(255).collect()),
            })
            .await?;
        Ok(NewSession {
            token,
            cookie_max_age_secs: remember.then_some(ttl),
            known_browser: self.known_browser_mark(user_id).await?,
        })
    }

    fn session_ttl(&self, remember: bool) -> i64 {
        if remember {
            self.policy.remember_ttl_secs
        } else {
            self.policy.session_ttl_secs
        }
    }

    /// Resolves a session cookie. `Ok(None)` when unknown or expired; `Err(Banned)` when the
    /// account is banned.
    pub async fn authenticate_session(&self, token: &str) -> Result<Option<AuthUser>, AppError> {
        let id = hash_token(token);
        let Some(session) = self.db.find_session(&id).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if session.expires_at <= now {
            self.db.delete_session(&id).await?;
            return Ok(None);
        }
        let Some(user) = self.db.find_user(session.user_id).await? else {
            return Ok(None);
        };
        if user.status == UserStatus::Banned {
            return Err(AppError::Banned);
        }
        if now.0 - session.last_seen_at.0 >= TOUCH_EVERY_SECS {
            let ttl = self.session_ttl(session.remember);
            self.db
                .touch_session(&id, now, now.plus_seconds(ttl))
                .await?;
        }
        Ok(Some(AuthUser {
            id: user.id,
            username: user.username,
            role: user.role,
            via: AuthVia::Session,
            session_id: Some(id),
        }))
    }
}
