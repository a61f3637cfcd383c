//! Owns "may this requester upload now, and how much": checked before an upload body is read.
//! Signed-in users may upload; guests only when the site allows it (with their own size
//! limit); URL sources need an admin unless the site opens them to users; flood limits per IP
//! and per account (admins exempt) are counted from the audit log, so every node agrees.
//! The resulting [`UploadTicket`] is the only way into [`App::upload`].

use subtle::ConstantTimeEq;
use vitrine_db::{AuditQuery, UserRecord};
use vitrine_domain::{Role, Timestamp};

use crate::upload_settings::Windows;
use crate::{Actor, App, AppError, RequestMeta, UploadSettings};

pub(crate) const MEDIA_UPLOADED: &str = "media_uploaded";

/// Permission for one upload, with what it was granted under.
#[derive(Debug)]
pub struct UploadTicket {
    /// Who asked (an album is chosen as they may choose it).
    pub(crate) actor: Actor,
    pub(crate) owner: Option<UserRecord>,
    pub(crate) settings: UploadSettings,
    pub(crate) meta: RequestMeta,
}

impl UploadTicket {
    /// The largest upload this requester may send.
    pub fn max_bytes(&self) -> u64 {
        if self.owner.is_some() {
            self.settings.max_bytes
        } else {
            self.settings.guest_max_bytes
        }
    }

    pub fn is_guest(&self) -> bool {
        self.owner.is_none()
    }

    /// Admins may upload from URLs; users too when the site allows it; guests never.
    pub fn may_fetch_urls(&self) -> bool {
        self.owner
            .as_ref()
            .is_some_and(|u| u.role == Role::Admin || self.settings.url_uploads_for_users)
    }
}

/// What the uploader may offer one requester (before any flood check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadAllowance {
    pub max_bytes: u64,
    pub url_uploads: bool,
    /// The formats the site accepts now.
    pub formats: Vec<vitrine_media::Format>,
}

impl App {
    /// What `actor` may upload, or `None` when they may not upload at all (guests while guest
    /// uploads are off). Pages use it to show the uploader; `begin_upload` still decides.
    pub async fn upload_allowance(
        &self,
        actor: &Actor,
    ) -> Result<Option<UploadAllowance>, AppError> {
        let settings = self.upload_settings().await?;
        Ok(match actor {
            Actor::User(u) => Some(UploadAllowance {
                max_bytes: settings.max_bytes,
                url_uploads: u.role == Role::Admin || settings.url_uploads_for_users,
                formats: settings.allowed_formats.clone(),
            }),
            Actor::Anonymous if settings.guest_uploads => Some(UploadAllowance {
                max_bytes: settings.guest_max_bytes,
                url_uploads: false,
                formats: settings.allowed_formats.clone(),
            }),
            Actor::Anonymous | Actor::System => None,
        })
    }

    /// Who a key given to the upload API stands for: the site's guest key means an anonymous
    /// guest; anything else must be a personal API key.
    pub async fn authenticate_upload_key(
        &self,
        key: &str,
        meta: &RequestMeta,
    ) -> Result<Actor, AppError> {
        let key = key.trim();
        let guest = self.upload_settings().await?.guest_api_key;
        if !guest.is_empty() && bool::from(guest.as_bytes().ct_eq(key.as_bytes())) {
            return Ok(Actor::Anonymous);
        }
        Ok(Actor::User(self.authenticate_api_key(key, meta).await?))
    }

    /// Checks that `actor` may upload now, before any byte of the body is read.
    pub async fn begin_upload(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
    ) -> Result<UploadTicket, AppError> {
        let settings = self.upload_settings().await?;
        let owner = match actor {
            Actor::User(u) => Some(
                self.db
                    .find_user(u.id)
                    .await?
                    .ok_or(AppError::Unauthenticated)?,
            ),
            Actor::Anonymous if settings.guest_uploads => None,
            Actor::Anonymous | Actor::System => return Err(AppError::Unauthenticated),
        };
        let is_admin = owner.as_ref().is_some_and(|u| u.role == Role::Admin);
        if !is_admin {
            let now = self.clock.now();
            if let Some(ip) = meta.ip.as_deref() {
                self.check_flood(AuditQuery::ByIp(ip), settings.flood.per_ip, now)
                    .await?;
            }
            if let Some(u) = &owner {
                self.check_flood(AuditQuery::ByActor(u.id), settings.flood.per_account, now)
                    .await?;
            }
        }
        Ok(UploadTicket {
            actor: actor.clone(),
            owner,
            settings,
            meta: meta.clone(),
        })
    }

    /// The per-address flood check alone, for a request whose key is still unknown (it
    /// comes in the body): refuses before the body is read. Returns the settings it read.
    pub async fn check_ip_flood(&self, meta: &RequestMeta) -> Result<UploadSettings, AppError> {
        let settings = self.upload_settings().await?;
        if let Some(ip) = meta.ip.as_deref() {
            self.check_flood(
                AuditQuery::ByIp(ip),
                settings.flood.per_ip,
                self.clock.now(),
            )
            .await?;
        }
        Ok(settings)
    }

    async fn check_flood(
        &self,
        who: AuditQuery<'_>,
        limits: Windows,
        now: Timestamp,
    ) -> Result<(), AppError> {
        for (limit, secs, window) in [
            (limits.per_minute, 60, "minute"),
            (limits.per_hour, 3600, "hour"),
            (limits.per_day, 86_400, "day"),
        ] {
            if limit == 0 {
                continue;
            }
            let count = self
                .count_recent(MEDIA_UPLOADED, who, now.minus_seconds(secs))
                .await?;
            if count >= limit {
                return Err(AppError::FloodLimited {
                    window,
                    retry_after_secs: secs,
                });
            }
        }
        Ok(())
    }
}
