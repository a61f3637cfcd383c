//! Owns first-run setup: while no admin exists, a one-time link lets the first visitor create
//! the admin account. Only the token's hash is stored; using it consumes it atomically.

use vitrine_db::{NewUser, UserRecord};
use vitrine_domain::Role;

use crate::accounts::validate_signup;
use crate::tokens::{hash_token, random_token};
use crate::{App, AppError, NewSession, RequestMeta, SignupInput};

pub(crate) const SETUP_KEY: &str = "setup_token_hash";

impl App {
    /// When no admin exists, issues a new setup token (replacing any earlier one) and returns
    /// it; `None` when the site already has an admin.
    pub async fn prepare_setup(&self) -> Result<Option<String>, AppError> {
        if self.db.count_users_with_role(Role::Admin).await? > 0 {
            self.db.delete_setting(SETUP_KEY).await?;
            return Ok(None);
        }
        let token = random_token()?;
        self.db
            .put_setting(SETUP_KEY, &hash_token(&token), self.clock.now())
            .await?;
        Ok(Some(token))
    }

    /// Whether `token` is the live setup token.
    pub async fn setup_token_valid(&self, token: &str) -> Result<bool, AppError> {
        let stored = self.db.get_setting(SETUP_KEY).await?;
        Ok(stored.is_some_and(|h| {
            subtle::ConstantTimeEq::ct_eq(h.as_bytes(), hash_token(token).as_bytes()).into()
        }))
    }

    /// Creates the first admin with the setup token (once) and signs them in.
    pub async fn complete_setup(
        &self,
        token: &str,
        input: &SignupInput,
        meta: &RequestMeta,
    ) -> Result<(UserRecord, NewSession), AppError> {
        if !self.setup_token_valid(token).await? {
            return Err(AppError::SetupLinkInvalid);
        }
        let v = validate_signup(input, true)?;
        let hash = self.hasher.hash(v.password.expose()).await?;
        let new = NewUser {
            username: &v.username,
            email: v.email.as_ref(),
            password_hash: hash,
            role: Role::Admin,
            now: self.clock.now(),
        };
        let user = self
            .db
            .create_user_consuming_setting(new, SETUP_KEY, &hash_token(token))
            .await?
            .ok_or(AppError::SetupLinkInvalid)?;
        self.signed_up(user, "setup_completed", meta).await
    }
}
