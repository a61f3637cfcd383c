//! Owns "who is acting": anonymous, or a signed-in user and how they proved it.

use vitrine_domain::{Role, Username};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    /// A browser session; `session_id` is the stored (hashed) id.
    Session,
    ApiKey {
        key_id: i64,
    },
}

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub username: Username,
    pub role: Role,
    pub via: AuthVia,
    /// The hashed session id when `via` is a session (used to keep it on password change).
    pub session_id: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Actor {
    Anonymous,
    User(AuthUser),
    /// The operator at the command line (`vitrine user ...`): may do anything.
    System,
}

impl Actor {
    pub fn user(&self) -> Option<&AuthUser> {
        match self {
            Actor::User(u) => Some(u),
            Actor::Anonymous | Actor::System => None,
        }
    }

    /// The signed-in user, or `Unauthenticated`.
    pub fn require_user(&self) -> Result<&AuthUser, crate::AppError> {
        self.user().ok_or(crate::AppError::Unauthenticated)
    }

    /// Succeeds for admins and the operator; `Forbidden` for others (`Unauthenticated` when
    /// signed out). Returns the admin's id (None for the operator).
    pub fn require_admin(&self) -> Result<Option<i64>, crate::AppError> {
        match self {
            Actor::System => Ok(None),
            Actor::User(u) if u.role == Role::Admin => Ok(Some(u.id)),
            Actor::User(_) => Err(crate::AppError::Forbidden),
            Actor::Anonymous => Err(crate::AppError::Unauthenticated),
        }
    }

    /// The acting user's id for the audit log.
    pub fn audit_id(&self) -> Option<i64> {
        self.user().map(|u| u.id)
    }
}
