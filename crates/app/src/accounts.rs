//! Owns accounts: the sign-up fields, admin creation, login, logout, password change, profile, and the admin/operator
//! actions on roles and bans.

use vitrine_db::{NewUser, UserRecord};
use vitrine_domain::{Email, Password, Role, UserStatus, Username, ValidationError};

use crate::throttle::{LOGIN_FAILED, LOGIN_OK, PASSWORD_CHECK_FAILED};
use crate::{Actor, App, AppError, AuthUser, AuthVia, NewSession, RequestMeta};

#[derive(Debug, Clone, Default)]
pub struct SignupInput {
    pub username: String,
    /// Ignored by public sign-up on a site that sends no e-mail (it cannot be confirmed).
    pub email: String,
    pub password: String,
    /// When given (web forms), must equal `password`.
    pub password_confirm: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LoginInput {
    /// Username or e-mail address.
    pub login: String,
    pub password: String,
    pub remember: bool,
    /// The browser's known-browser mark, if it holds one (lets it sign in while strangers'
    /// failures hold the account locked).
    pub known_browser: Option<String>,
}

/// Validated sign-up fields.
pub(crate) struct ValidSignup {
    pub username: Username,
    /// Present whenever it was asked for.
    pub email: Option<Email>,
    pub password: Password,
}

/// Checks every field and reports every problem at once (forms show each next to its field).
/// `with_email`: whether the address is asked for (else it is ignored).
pub(crate) fn validate_signup(
    input: &SignupInput,
    with_email: bool,
) -> Result<ValidSignup, AppError> {
    let username = Username::parse(&input.username);
    let email = with_email.then(|| Email::parse(&input.email)).transpose();
    let password = Password::parse(&input.password);
    let mut errors: Vec<ValidationError> = [
        username.as_ref().err(),
        email.as_ref().err(),
        password.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    if let Some(confirm) = &input.password_confirm
        && confirm != &input.password
    {
        errors.push(ValidationError::new(
            "password_confirm",
            "the passwords do not match",
        ));
    }
    match (username, email, password) {
        (Ok(username), Ok(email), Ok(password)) if errors.is_empty() => Ok(ValidSignup {
            username,
            email,
            password,
        }),
        _ if errors.len() == 1 => Err(AppError::Validation(errors.remove(0))),
        _ => Err(AppError::InvalidFields(errors)),
    }
}

impl App {
    /// Creates an account with any role (operator at the command line, or an admin).
    pub async fn create_user(
        &self,
        actor: &Actor,
        input: &SignupInput,
        role: Role,
    ) -> Result<UserRecord, AppError> {
        actor.require_admin()?;
        let v = validate_signup(input, true)?;
        let user = self.insert_user(&v, role).await?;
        if role == Role::Admin {
            // An admin exists now: the first-run link has no purpose left.
            self.db.delete_setting(crate::setup::SETUP_KEY).await?;
        }
        let meta = RequestMeta::default();
        let details = serde_json::json!({ "role": role });
        self.audit(
            actor.audit_id(),
            "user_created",
            Some(user.username.as_str()),
            &meta,
            Some(details),
        )
        .await;
        Ok(user)
    }

    pub(crate) async fn insert_user(
        &self,
        v: &ValidSignup,
        role: Role,
    ) -> Result<UserRecord, AppError> {
        let hash = self.hasher.hash(v.password.expose()).await?;
        Ok(self
            .db
            .create_user(NewUser {
                username: &v.username,
                email: v.email.as_ref(),
                password_hash: hash,
                role,
                now: self.clock.now(),
            })
            .await?)
    }

    /// Checks the credentials (throttled per account and per IP) and opens a session.
    #[tracing::instrument(skip_all)]
    pub async fn login(
        &self,
        input: &LoginInput,
        meta: &RequestMeta,
    ) -> Result<(UserRecord, NewSession), AppError> {
        let user = self.db.find_user_by_login(&input.login).await?;
        // Count failures against the account name whichever way it was typed.
        let account = user.as_ref().map_or_else(
            || input.login.trim().to_lowercase(),
            |u| u.username.to_string(),
        );
        // One attempt at a time per account, so parallel guesses all see each other's failures.
        let lock = self.flights.lock_for(&format!("login:{account}"));
        let _turn = lock.lock().await;
        self.check_login_throttle(
            &account,
            user.as_ref().map(|u| u.id),
            input.known_browser.as_deref(),
            meta,
        )
        .await?;
        // The hash is always checked (a dummy one for unknown accounts), so the time taken
        // does not tell whether the account exists.
        let ok = self
            .hasher
            .verify(
                &input.password,
                user.as_ref().map(|u| u.password_hash.as_str()),
            )
            .await?;
        let user = match user {
            Some(u) if ok && u.status != UserStatus::Banned => u,
            other => {
                // A banned account answers as a wrong password does, whichever password was
                // typed: telling the two apart would confirm its password.
                let banned = other
                    .as_ref()
                    .is_some_and(|u| u.status == UserStatus::Banned);
                let details = (ok && banned).then(|| serde_json::json!({ "banned": true }));
                self.audit(
                    other.map(|u| u.id),
                    LOGIN_FAILED,
                    Some(&account),
                    meta,
                    details,
                )
                .await;
                return Err(AppError::InvalidCredentials);
            }
        };
        let session = self.open_session(user.id, input.remember, meta).await?;
        self.audit(Some(user.id), LOGIN_OK, Some(&account), meta, None)
            .await;
        Ok((user, session))
    }

    /// Ends the current browser session (API keys have no session to end).
    pub async fn logout(&self, actor: &Actor, meta: &RequestMeta) -> Result<(), AppError> {
        if let Some(u) = actor.user()
            && let Some(sid) = &u.session_id
        {
            self.db.delete_session(sid).await?;
            self.audit(Some(u.id), "logout", Some(u.username.as_str()), meta, None)
                .await;
        }
        Ok(())
    }

    pub async fn me(&self, actor: &Actor) -> Result<UserRecord, AppError> {
        let u = actor.require_user()?;
        self.db
            .find_user(u.id)
            .await?
            .ok_or(AppError::NotFound("user"))
    }

    /// Changes the actor's password after checking the current one, and ends every other
    /// session of the account.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        confirm: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let me = self.me(actor).await?;
        // Failures count against the credential that made them (and its address), not the
        // account: a stolen session guessing must not lock the owner out of changing it.
        let credential = match actor.user() {
            Some(AuthUser {
                via: AuthVia::ApiKey { key_id },
                ..
            }) => format!("key:{key_id}"),
            Some(AuthUser {
                session_id: Some(s),
                ..
            }) => format!("session:{}", s.get(..16).unwrap_or(s)),
            _ => format!("user:{}", me.id),
        };
        // One check at a time per account, so parallel guesses all see each other's failures.
        let lock = self.flights.lock_for(&format!("password-check:{}", me.id));
        let _turn = lock.lock().await;
        self.check_throttle(PASSWORD_CHECK_FAILED, &credential, meta)
            .await?;
        if !self.hasher.verify(current, Some(&me.password_hash)).await? {
            self.audit(
                Some(me.id),
                PASSWORD_CHECK_FAILED,
                Some(&credential),
                meta,
                None,
            )
            .await;
            return Err(AppError::WrongCurrentPassword);
        }
        let new = Password::parse(new)?;
        if confirm.is_some_and(|c| c != new.expose()) {
            return Err(
                ValidationError::new("new_password_confirm", "the passwords do not match").into(),
            );
        }
        let hash = self.hasher.hash(new.expose()).await?;
        let keep = actor.user().and_then(|u| u.session_id.as_deref());
        self.db
            .set_password_hash(me.id, hash, keep, self.clock.now())
            .await?;
        self.audit(
            Some(me.id),
            "password_changed",
            Some(me.username.as_str()),
            meta,
            None,
        )
        .await;
        Ok(())
    }

    /// Sets a user's password as the operator or an admin; ends all of their sessions.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        username: &str,
        new: &str,
    ) -> Result<(), AppError> {
        actor.require_admin()?;
        let user = self.user_by_name(username).await?;
        let new = Password::parse(new)?;
        let hash = self.hasher.hash(new.expose()).await?;
        self.db
            .set_password_hash(user.id, hash, None, self.clock.now())
            .await?;
        self.audit(
            actor.audit_id(),
            "password_reset",
            Some(user.username.as_str()),
            &RequestMeta::default(),
            None,
        )
        .await;
        Ok(())
    }

    /// The user's own EXIF preference for future uploads (GPS is removed regardless).
    pub async fn set_keep_exif(&self, actor: &Actor, keep: bool) -> Result<(), AppError> {
        let u = actor.require_user()?;
        self.db.set_keep_exif(u.id, keep, self.clock.now()).await?;
        Ok(())
    }

    pub async fn update_display_name(
        &self,
        actor: &Actor,
        display_name: &str,
    ) -> Result<(), AppError> {
        let u = actor.require_user()?;
        let name = display_name.trim();
        if name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "display_name",
                "must be at most 64 characters, without control characters",
            )
            .into());
        }
        let value = (!name.is_empty()).then(|| name.to_owned());
        self.db
            .set_display_name(u.id, value, self.clock.now())
            .await?;
        Ok(())
    }

    /// Changes a user's role. Admins cannot change their own (another admin must, so nobody
    /// locks themselves out by a slip), and the last admin cannot be demoted.
    pub async fn set_role(
        &self,
        actor: &Actor,
        username: &str,
        role: Role,
    ) -> Result<UserRecord, AppError> {
        actor.require_admin()?;
        let user = self.user_by_name(username).await?;
        if actor.audit_id() == Some(user.id) && role != user.role {
            return Err(ValidationError::new(
                "role",
                "you cannot change your own role; ask another administrator",
            )
            .into());
        }
        if user.role == Role::Admin
            && role != Role::Admin
            && self.db.count_users_with_role(Role::Admin).await? <= 1
        {
            return Err(
                ValidationError::new("role", "the last administrator cannot be demoted").into(),
            );
        }
        self.db
            .set_user_role(user.id, role, self.clock.now())
            .await?;
        if role == Role::Admin {
            self.db.delete_setting(crate::setup::SETUP_KEY).await?;
        }
        let details = serde_json::json!({ "from": user.role, "to": role });
        self.audit(
            actor.audit_id(),
            "role_changed",
            Some(user.username.as_str()),
            &RequestMeta::default(),
            Some(details),
        )
        .await;
        self.user_by_name(username).await
    }

    /// Bans or reinstates a user. Banning ends their sessions; admins cannot ban themselves.
    pub async fn set_status(
        &self,
        actor: &Actor,
        username: &str,
        status: UserStatus,
    ) -> Result<UserRecord, AppError> {
        actor.require_admin()?;
        let user = self.user_by_name(username).await?;
        if status == UserStatus::Banned && actor.audit_id() == Some(user.id) {
            return Err(ValidationError::new("status", "you cannot ban yourself").into());
        }
        self.db
            .set_user_status(user.id, status, self.clock.now())
            .await?;
        let action = if status == UserStatus::Banned {
            "user_banned"
        } else {
            "user_unbanned"
        };
        self.audit(
            actor.audit_id(),
            action,
            Some(user.username.as_str()),
            &RequestMeta::default(),
            None,
        )
        .await;
        self.user_by_name(username).await
    }

    /// Users by name for the admin area; keyset pagination after `cursor` (a username).
    pub async fn list_users(
        &self,
        actor: &Actor,
        query: Option<&str>,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<Vec<UserRecord>, AppError> {
        actor.require_admin()?;
        Ok(self.db.list_users(query, cursor, limit).await?)
    }

    pub async fn find_user_as_admin(
        &self,
        actor: &Actor,
        username: &str,
    ) -> Result<UserRecord, AppError> {
        actor.require_admin()?;
        self.user_by_name(username).await
    }

    pub(crate) async fn user_by_name(&self, username: &str) -> Result<UserRecord, AppError> {
        self.db
            .find_user_by_username(username)
            .await?
            .ok_or(AppError::NotFound("user"))
    }
}
