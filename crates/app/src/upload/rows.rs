//! Owns the rows an upload adds besides its files: the media row (title from the filename when
//! none is given, expiry, delete-token hash) and the jobs that follow it (expiry; the animated
//! medium size, which is slow to make and so comes after the answer).

use vitrine_db::{NewJob, NewMedia};
use vitrine_domain::{PublicId, Timestamp};

use super::content::Picture;
use super::fields::{clean_filename, new_public_id, title_from};
use super::intake::Intake;
use super::{ANIMATED_MEDIUM_JOB, EXPIRE_JOB, UploadInput};
use crate::AppError;
use crate::tokens::hash_token;

/// The media row of an upload and its follow-up jobs.
pub(crate) fn media_rows(
    owner_id: Option<i64>,
    input: UploadInput,
    intake: Intake,
    picture: Picture,
    delete_token: &str,
    now: Timestamp,
) -> Result<(NewMedia, Vec<NewJob<'static>>), AppError> {
    let public_id = new_public_id()?;
    let expires_at = input
        .expires_in
        .filter(|_| !intake.profile_image)
        .map(|s| now.plus_seconds(s));
    let animated_medium =
        picture.animated && picture.width.max(picture.height) > intake.sizes.medium;
    let jobs = follow_up_jobs(&public_id, expires_at, animated_medium, now);
    let filename = clean_filename(&input.filename);
    let title = input
        .title
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| title_from(&filename));
    let kind = input.purpose.kind().unwrap_or(if picture.animated {
        "animated"
    } else {
        "image"
    });
    let media = NewMedia {
        public_id,
        owner_id,
        kind: kind.to_owned(),
        title,
        description: input.description.unwrap_or_default().trim().to_owned(),
        original_filename: filename,
        nsfw: input.nsfw,
        width: picture.width,
        height: picture.height,
        exif: picture.exif,
        thumbhash: picture.thumbhash,
        phash: picture.phash,
        expires_at,
        delete_token_hash: hash_token(delete_token),
        tags: intake.tags,
        privacy: intake.privacy,
        album_id: intake.album_id,
        now,
    };
    Ok((media, jobs))
}

/// Deleting the media when it expires, and making an animated medium size after the answer.
fn follow_up_jobs(
    id: &PublicId,
    expires_at: Option<Timestamp>,
    animated_medium: bool,
    now: Timestamp,
) -> Vec<NewJob<'static>> {
    let payload = serde_json::json!({ "id": id.as_str() }).to_string();
    let mut jobs = Vec::new();
    if let Some(at) = expires_at {
        jobs.push(NewJob {
            kind: EXPIRE_JOB,
            payload: payload.clone(),
            run_at: at,
            max_attempts: 5,
        });
    }
    if animated_medium {
        jobs.push(NewJob {
            kind: ANIMATED_MEDIUM_JOB,
            payload,
            run_at: now,
            max_attempts: 3,
        });
    }
    jobs
}
