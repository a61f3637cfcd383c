//! Owns public sign-up. On a site that sends e-mail it is two steps and never tells whether an
//! address is registered: every valid attempt gets the same answer, then (after the answer) a
//! new address gets a single-use confirmation link and a registered one a note to its owner;
//! the account is created when the link is followed. A site without e-mail cannot confirm an
//! address, so it collects none and creates the account at once. Attempts are counted per
//! client address from the audit log (throttle.rs), so every node agrees.

use vitrine_db::{AuditQuery, NewSignupRequest, NewUser, SignupRequestRecord, UserRecord};
use vitrine_domain::{Email, Role, Username};

use crate::accounts::validate_signup;
use crate::signup_mail::SignupLinkBase;
use crate::tokens::{hash_token, random_token};
use crate::{App, AppError, NewSession, RequestMeta, SignupInput};

/// Every sign-up attempt that passed validation (the throttle counts these).
pub(crate) const SIGNUP_ATTEMPT: &str = "signup_attempt";
/// A confirmation link that is unknown, expired or already used.
pub(crate) const SIGNUP_LINK_FAILED: &str = "signup_link_failed";
/// A sign-up message sent; the target is a hash of the address, so the log does not list the
/// addresses of people who never got an account.
const SIGNUP_MAILED: &str = "signup_mailed";
/// Sign-up messages one address is sent per hour, whoever asks: sign-up must not be a way to
/// flood someone's inbox from many client addresses. Past it nothing is sent (the answer was
/// given already and was the same).
const MAILS_PER_ADDRESS_PER_HOUR: u64 = 3;

/// How a sign-up went.
#[derive(Debug)]
pub enum SignupOutcome {
    /// No e-mail on this site: the account exists and is signed in (boxed: the other answer
    /// is small).
    Created(Box<(UserRecord, NewSession)>),
    /// A message is on its way to `email` (a link for a new address, a note to the owner of a
    /// registered one: the caller cannot tell which, and must not).
    ConfirmationSent { email: Email },
}

/// What the sign-up step hands to the message sent after the answer.
struct Pending {
    username: Username,
    email: Email,
    password_hash: String,
}

impl App {
    /// Whether sign-up confirms addresses by e-mail (else it collects none).
    pub fn signup_confirms_email(&self) -> bool {
        self.mailer.is_some()
    }

    /// Public sign-up (refused when sign-ups are closed). See the module comment.
    #[tracing::instrument(skip_all)]
    pub async fn signup(
        &self,
        input: &SignupInput,
        base: SignupLinkBase,
        meta: &RequestMeta,
    ) -> Result<SignupOutcome, AppError> {
        if !self.site_settings().await?.signups_enabled {
            return Err(AppError::SignupsClosed);
        }
        let v = validate_signup(input, self.signup_confirms_email())?;
        // One attempt at a time per client address, so parallel ones all see each other.
        let ip_lock = meta
            .ip
            .as_deref()
            .map(|ip| self.flights.lock_for(&format!("signup-ip:{ip}")));
        let ip_turn = match &ip_lock {
            Some(l) => Some(l.lock().await),
            None => None,
        };
        self.check_signup_rate(meta).await?;
        self.audit(None, SIGNUP_ATTEMPT, Some(v.username.as_str()), meta, None)
            .await;
        // Counted: the rest (a password hash) need not wait for the address's other attempts.
        drop(ip_turn);
        // Usernames are public (profiles): saying one is taken tells nothing new.
        if self
            .db
            .find_user_by_username(v.username.as_str())
            .await?
            .is_some()
        {
            return Err(AppError::Conflict("username"));
        }
        // Hashed for both kinds of address, so the answer takes as long either way.
        let password_hash = self.hasher.hash(v.password.expose()).await?;
        // The address was asked for exactly when there is a mailer (validate_signup above).
        let (Some(mailer), Some(email)) = (self.mailer.clone(), v.email) else {
            return self.create_at_once(&v.username, password_hash, meta).await;
        };
        let pending = Pending {
            username: v.username,
            email: email.clone(),
            password_hash,
        };
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(e) = app.send_signup_message(&mailer, pending, &base).await {
                tracing::warn!(error = %e, mailer = ?mailer, "a sign-up e-mail was not sent");
            }
        });
        Ok(SignupOutcome::ConfirmationSent { email })
    }

    /// Sign-up on a site without e-mail: the account, without an address, signed in.
    async fn create_at_once(
        &self,
        username: &Username,
        password_hash: String,
        meta: &RequestMeta,
    ) -> Result<SignupOutcome, AppError> {
        let user = self
            .db
            .create_user(NewUser {
                username,
                email: None,
                password_hash,
                role: Role::User,
                now: self.clock.now(),
            })
            .await?;
        let created = self.signed_up(user, "signup", meta).await?;
        Ok(SignupOutcome::Created(Box::new(created)))
    }

    /// Audits a new account (`action`: how it came) and opens its first session.
    pub(crate) async fn signed_up(
        &self,
        user: UserRecord,
        action: &str,
        meta: &RequestMeta,
    ) -> Result<(UserRecord, NewSession), AppError> {
        self.audit(
            Some(user.id),
            action,
            Some(user.username.as_str()),
            meta,
            None,
        )
        .await;
        let session = self.open_session(user.id, false, meta).await?;
        Ok((user, session))
    }

    /// After the answer: a confirmation link for a new address, a note for a registered one.
    async fn send_signup_message(
        &self,
        mailer: &crate::Mailer,
        p: Pending,
        base: &SignupLinkBase,
    ) -> Result<(), String> {
        let target = hash_token(p.email.as_str());
        let lock = self.flights.lock_for(&format!("signup-mail:{target}"));
        let _turn = lock.lock().await;
        let since = self.clock.now().minus_seconds(3600);
        let sent = self
            .count_recent(SIGNUP_MAILED, AuditQuery::ByTarget(&target), since)
            .await
            .map_err(|e| e.to_string())?;
        if sent >= MAILS_PER_ADDRESS_PER_HOUR {
            tracing::info!("sign-up e-mail not sent: the address had its hourly messages");
            return Ok(());
        }
        self.audit(
            None,
            SIGNUP_MAILED,
            Some(&target),
            &RequestMeta::default(),
            None,
        )
        .await;
        let site = self.site_settings().await.map_err(|e| e.to_string())?.name;
        let owner = self
            .db
            .find_user_by_login(p.email.as_str())
            .await
            .map_err(|e| e.to_string())?;
        if let Some(owner) = owner {
            let (subject, body) = crate::signup_mail::attempt_note(&owner, &site, base);
            return mailer.send(p.email.as_str(), &subject, body).await;
        }
        let token = random_token().map_err(|e| e.to_string())?;
        let now = self.clock.now();
        let ttl = self.policy.signup_link_ttl_secs;
        self.db
            .insert_signup_request(NewSignupRequest {
                id: &hash_token(&token),
                username: &p.username,
                email: &p.email,
                password_hash: p.password_hash,
                now,
                expires_at: now.plus_seconds(ttl),
            })
            .await
            .map_err(|e| e.to_string())?;
        let (subject, body) =
            crate::signup_mail::confirm_message(p.username.as_str(), &site, base, &token, ttl);
        mailer.send(p.email.as_str(), &subject, body).await
    }

    /// The pending sign-up an unused, unexpired link is for (the page names it). Reading it
    /// does not use the link up: mail scanners follow links.
    pub async fn signup_request_for_link(
        &self,
        token: &str,
        meta: &RequestMeta,
    ) -> Result<SignupRequestRecord, AppError> {
        self.check_ip_throttle(SIGNUP_LINK_FAILED, meta).await?;
        match self
            .db
            .signup_request(&hash_token(token), self.clock.now())
            .await?
        {
            Some(r) => Ok(r),
            None => Err(self.signup_link_failed(meta).await),
        }
    }

    /// Creates the account of a confirmation link (which is then used up) and signs it in.
    /// A username or address taken since the request is refused, and the link kept.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_signup(
        &self,
        token: &str,
        meta: &RequestMeta,
    ) -> Result<(UserRecord, NewSession), AppError> {
        self.check_ip_throttle(SIGNUP_LINK_FAILED, meta).await?;
        if !self.site_settings().await?.signups_enabled {
            return Err(AppError::SignupsClosed);
        }
        let done = self
            .db
            .complete_signup_request(&hash_token(token), Role::User, self.clock.now())
            .await;
        let user = match done {
            Ok(Some(user)) => user,
            Ok(None) => return Err(self.signup_link_failed(meta).await),
            Err(vitrine_db::DbError::Conflict(field)) => {
                return Err(AppError::TakenSinceSignup(field));
            }
            Err(e) => return Err(e.into()),
        };
        self.signed_up(user, "signup", meta).await
    }

    async fn signup_link_failed(&self, meta: &RequestMeta) -> AppError {
        self.audit(None, SIGNUP_LINK_FAILED, None, meta, None).await;
        AppError::SignupLinkInvalid
    }
}
