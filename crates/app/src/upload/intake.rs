//! Owns the checks an upload passes before any image work: its texts, tags, level, album,
//! expiry, size and format, each as this requester may choose them, and the sizes its
//! derivatives will be made at.

use vitrine_domain::{Privacy, ValidationError};

use super::content::Sizes;
use super::fields::{check_format_allowed, check_texts, media_privacy, normalize_tags};
use super::{MAX_EXPIRY_SECS, MIN_EXPIRY_SECS, Purpose, UploadInput};
use crate::upload_gate::UploadTicket;
use crate::{App, AppError};

/// An upload's fields, checked and settled.
pub(crate) struct Intake {
    /// An avatar, cover or logo: stored like media, but never listed or filed.
    pub profile_image: bool,
    pub tags: Vec<String>,
    pub privacy: Privacy,
    pub album_id: Option<i64>,
    pub sizes: Sizes,
}

impl App {
    /// Checks everything about an upload that can be checked before processing it.
    pub(crate) async fn check_upload(
        &self,
        ticket: &UploadTicket,
        input: &UploadInput,
    ) -> Result<Intake, AppError> {
        check_texts(input.title.as_deref(), input.description.as_deref())?;
        let profile_image = input.purpose != Purpose::Media;
        if profile_image && ticket.owner.is_none() {
            return Err(AppError::Unauthenticated);
        }
        let tags = match ticket.owner {
            Some(_) if !profile_image => normalize_tags(&input.tags)?,
            _ => Vec::new(),
        };
        let privacy = match (input.privacy.as_deref(), &ticket.owner) {
            _ if profile_image => Privacy::Unlisted,
            (Some(p), _) => media_privacy(p)?,
            (None, Some(_)) => Privacy::Public,
            (None, None) => Privacy::Unlisted,
        };
        let album_id = match input.album.as_deref() {
            Some(a) if !a.is_empty() && !profile_image => {
                self.upload_album(ticket, input, a).await?
            }
            _ => None,
        };
        check_expiry(input.expires_in)?;
        if input.size > ticket.max_bytes() {
            return Err(AppError::TooLarge {
                max_bytes: ticket.max_bytes(),
            });
        }
        check_format_allowed(&input.temp_path, &ticket.settings.allowed_formats).await?;
        Ok(Intake {
            profile_image,
            tags,
            privacy,
            album_id,
            sizes: sizes_for(input.purpose, ticket),
        })
    }

    /// The album the upload goes into: one of the uploader's own, chosen as they may choose
    /// it. Another's album is refused, or left out when the client's contract says so.
    async fn upload_album(
        &self,
        ticket: &UploadTicket,
        input: &UploadInput,
        album: &str,
    ) -> Result<Option<i64>, AppError> {
        let Some(owner) = &ticket.owner else {
            return Ok(None);
        };
        match self.album_for_media(&ticket.actor, album).await {
            Ok(a) if a.owner_id == owner.id => Ok(Some(a.id)),
            Ok(_)
            | Err(
                AppError::NotFound(_) | AppError::Forbidden | AppError::PasswordRequired { .. },
            ) if input.ignore_foreign_album => Ok(None),
            Ok(_) => Err(AppError::Forbidden),
            Err(e) => Err(e),
        }
    }
}

fn check_expiry(expires_in: Option<i64>) -> Result<(), ValidationError> {
    match expires_in {
        Some(secs) if !(MIN_EXPIRY_SECS..=MAX_EXPIRY_SECS).contains(&secs) => {
            Err(ValidationError::new(
                "expires_in",
                "must be between 300 seconds (5 minutes) and one year",
            ))
        }
        _ => Ok(()),
    }
}

/// Media get the site's sizes; profile images and the logo their own.
fn sizes_for(purpose: Purpose, ticket: &UploadTicket) -> Sizes {
    let s = &ticket.settings;
    let (thumb, medium) = match purpose {
        Purpose::Media => (s.thumb_size, s.medium_size),
        Purpose::Avatar => (256, 512),
        Purpose::Cover => (s.thumb_size, 1600),
        Purpose::Logo => (128, 512),
    };
    Sizes { thumb, medium }
}
