//! Owns the JSON shapes of the native REST API (requests and responses), documented in the
//! OpenAPI description. App views are converted here so the app crate stays HTTP-free.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vitrine_app::{ApiKeyView, CreatedApiKey, SiteSettings};
use vitrine_db::UserRecord;

/// The signed-in user's own account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    /// `null` for an account that signed up on a site that sends no e-mail (no address is
    /// collected there).
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// `admin`, `manager` or `user`.
    pub role: String,
    /// `active` or `banned`.
    pub status: String,
    /// RFC 3339.
    pub created_at: String,
    /// Whether camera EXIF is kept in this user's uploads (never GPS).
    pub keep_exif: bool,
    pub bio: String,
    pub website: String,
    pub private_profile: bool,
}

impl From<&UserRecord> for UserDto {
    fn from(u: &UserRecord) -> Self {
        Self {
            id: u.id,
            username: u.username.to_string(),
            email: u.email.as_ref().map(ToString::to_string),
            display_name: u.display_name.clone(),
            role: u.role.to_string(),
            status: u.status.as_str().to_owned(),
            created_at: u.created_at.to_rfc3339(),
            keep_exif: u.keep_exif,
            bio: u.bio.clone(),
            website: u.website.clone(),
            private_profile: u.private_profile,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Username or e-mail address.
    pub login: String,
    pub password: String,
    /// Keep the session for 30 days instead of the browser session.
    #[serde(default)]
    pub remember: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    /// Username or e-mail address of the account.
    pub login: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetRequested {
    /// The same for every account name, known or not.
    pub message: String,
    /// How long the link works.
    pub expires_in_minutes: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetConfirm {
    /// The secret at the end of the e-mailed link (`/reset/<token>`).
    pub token: String,
    /// The new password: at least 8 characters.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignupRequest {
    /// 3-32 characters of `a-z 0-9 _ -` (case folded).
    pub username: String,
    /// Required on a site that sends e-mail (it is confirmed by a link). Ignored on a site
    /// that sends none: the account is created without an address.
    #[serde(default)]
    pub email: Option<String>,
    /// At least 8 characters.
    pub password: String,
}

/// The answer to every valid sign-up on a site that sends e-mail, whether or not the address
/// is registered: a new address gets a confirmation link, a registered one a note to its owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignupConfirmationSent {
    /// Always `confirmation_sent`.
    #[schema(example = "confirmation_sent")]
    pub status: &'static str,
    /// How long a confirmation link works.
    pub expires_in_hours: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignupConfirm {
    /// The secret at the end of the e-mailed link (`/signup/confirm/<token>`).
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfilePatch {
    /// Shown instead of the username; empty clears it. At most 64 characters.
    pub display_name: Option<String>,
    /// Keep camera EXIF in your future uploads' originals (GPS is always removed).
    pub keep_exif: Option<bool>,
    /// About you; at most 1000 characters.
    pub bio: Option<String>,
    /// An http(s) link; empty clears it.
    #[schema(example = "https://example.org")]
    pub website: Option<String>,
    /// Show only your name to others and close your listings to them.
    pub private_profile: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyDto {
    pub id: i64,
    pub name: String,
    /// The first characters of the key.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

impl From<ApiKeyView> for ApiKeyDto {
    fn from(k: ApiKeyView) -> Self {
        Self {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
        }
    }
}

/// A new key. `secret` is shown only in this response; store it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyDto {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub secret: String,
    /// A ShareX custom-uploader file (`.sxcu`) for this key: save it and open it in ShareX.
    #[schema(value_type = Object)]
    pub sharex: serde_json::Value,
}

impl CreatedApiKeyDto {
    /// The created key, with its ShareX file for the site `site_name` at `base`.
    pub fn new(c: CreatedApiKey, site_name: &str, base: &str) -> Self {
        Self {
            sharex: crate::sharex::sxcu(site_name, base, &c.secret),
            id: c.key.id,
            name: c.key.name,
            prefix: c.key.prefix,
            created_at: c.key.created_at,
            secret: c.secret,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateApiKeyRequest {
    /// A label such as "ShareX on my laptop" (1-64 characters).
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKeyDto>,
}

/// A user as an administrator sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserDto>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UserPatch {
    /// `admin`, `manager` or `user`.
    pub role: Option<String>,
    /// `active` or `banned` (banning ends the user's sessions).
    pub status: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SettingsDto {
    pub name: String,
    pub description: String,
    pub signups_enabled: bool,
    /// The palette visitors get until they pick one: `system` (follow the device), `light`
    /// or `dark`.
    #[schema(example = "system")]
    pub default_theme: String,
    /// `#rrggbb` replacing the built-in accent colour, or empty for the built-in one.
    #[schema(example = "#0a7c66")]
    pub accent: String,
    /// Public id of the logo image, or null (set with `PUT /api/v1/admin/logo`).
    pub logo_media_id: Option<String>,
}

impl From<SiteSettings> for SettingsDto {
    fn from(s: SiteSettings) -> Self {
        Self {
            name: s.name,
            description: s.description,
            signups_enabled: s.signups_enabled,
            default_theme: s.default_theme.as_str().to_owned(),
            accent: s.accent.map(String::from).unwrap_or_default(),
            logo_media_id: s.logo_media_id,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SettingsPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub signups_enabled: Option<bool>,
    /// `system`, `light` or `dark`.
    pub default_theme: Option<String>,
    /// `#rrggbb` (exactly), or empty to go back to the built-in colour.
    pub accent: Option<String>,
}

/// Every error: a stable snake_case `code` and a human `message`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, documented code, e.g. `invalid_credentials`, `validation_failed`.
    pub code: String,
    pub message: String,
    /// The input field at fault, for validation errors.
    pub field: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthDto {
    pub status: String,
}

/// One stored file of a media.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileDto {
    pub url: String,
    pub width: u32,
    pub height: u32,
    /// Bytes.
    pub size: u64,
    pub mime: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaFilesDto {
    pub original: FileDto,
    /// Null when the image is not larger than the medium size.
    pub medium: Option<FileDto>,
    /// The grid size (at most 480 px high and 960 px wide, shape kept); null when the image
    /// already fits, or for images uploaded before this size existed.
    pub small: Option<FileDto>,
    pub thumb: Option<FileDto>,
}

/// An uploaded image.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaDto {
    /// Public id (used in every URL).
    pub id: String,
    /// The viewer page.
    pub url: String,
    pub title: String,
    pub description: String,
    pub nsfw: bool,
    pub tags: Vec<String>,
    /// The item's own level: `public`, `unlisted` or `private` (its albums may restrict it
    /// further).
    pub privacy: String,
    /// Public id of its album, if any.
    pub album: Option<String>,
    /// `image` or `animated`.
    pub kind: String,
    pub width: u32,
    pub height: u32,
    /// Bytes of the stored original.
    pub size: u64,
    pub mime: String,
    pub original_filename: String,
    pub views: u64,
    pub created_at: String,
    pub expires_at: Option<String>,
    /// Camera details (never GPS), when the image had EXIF.
    #[schema(value_type = Option<Object>)]
    pub exif: Option<serde_json::Value>,
    /// A tiny placeholder (base64 thumbhash).
    pub thumbhash: String,
    pub files: MediaFilesDto,
    /// Only in the upload response: opens a page that deletes the media without signing in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_url: Option<String>,
}

impl MediaDto {
    pub fn new(
        links: &crate::media_urls::Links,
        f: &vitrine_db::MediaFiles,
        delete_token: Option<&str>,
    ) -> Self {
        use crate::media_urls;
        let base = links.site.as_str();
        let m = &f.media;
        let mime = |ext: &str| {
            vitrine_media::Format::from_extension(ext)
                .map_or("application/octet-stream", |f| f.mime())
                .to_owned()
        };
        let file = |v: &vitrine_db::VariantRecord| FileDto {
            url: media_urls::variant(links, f, v),
            width: v.width,
            height: v.height,
            size: v.size,
            mime: mime(&v.ext),
        };
        Self {
            id: m.public_id.to_string(),
            url: media_urls::viewer(base, m.public_id.as_str()),
            title: m.title.clone(),
            description: m.description.clone(),
            nsfw: m.nsfw,
            tags: f.tags.clone(),
            privacy: m.privacy.as_str().to_owned(),
            album: f.album.clone(),
            kind: m.kind.clone(),
            width: m.width,
            height: m.height,
            size: f.blob.size,
            mime: mime(&f.blob.ext),
            original_filename: m.original_filename.clone(),
            views: m.views,
            created_at: m.created_at.to_rfc3339(),
            expires_at: m.expires_at.map(|t| t.to_rfc3339()),
            exif: m.exif.as_deref().and_then(|e| serde_json::from_str(e).ok()),
            thumbhash: m.thumbhash.clone(),
            files: MediaFilesDto {
                original: FileDto {
                    url: media_urls::original(links, f),
                    width: m.width,
                    height: m.height,
                    size: f.blob.size,
                    mime: mime(&f.blob.ext),
                },
                medium: f.variants.iter().find(|v| v.name == "medium").map(file),
                small: f.variants.iter().find(|v| v.name == "small").map(file),
                thumb: f.variants.iter().find(|v| v.name == "thumb").map(file),
            },
            delete_url: delete_token.map(|t| media_urls::delete(base, m.public_id.as_str(), t)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaList {
    pub items: Vec<MediaDto>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl MediaList {
    pub fn new(
        links: &crate::media_urls::Links,
        (items, next_cursor): vitrine_app::Page<vitrine_db::MediaFiles>,
    ) -> Self {
        Self {
            items: items
                .iter()
                .map(|f| MediaDto::new(links, f, None))
                .collect(),
            next_cursor,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MediaPatchDto {
    /// At most 100 characters.
    pub title: Option<String>,
    /// At most 5000 characters.
    pub description: Option<String>,
    pub nsfw: Option<bool>,
    /// Replaces all tags (at most 30, each at most 64 characters).
    pub tags: Option<Vec<String>>,
    /// `public`, `unlisted` or `private`.
    pub privacy: Option<String>,
}

/// The multipart form of `POST /api/v1/media`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The image (JPEG, PNG, GIF, WebP or BMP). Either this or `url`.
    #[schema(value_type = String, format = Binary)]
    pub file: Option<Vec<u8>>,
    /// An http(s) URL for the server to fetch instead of `file` (admins, or users when the
    /// site allows it).
    pub url: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `1`/`true` to mark as not safe for work.
    pub nsfw: Option<String>,
    /// Delete automatically after this long: seconds or an ISO-8601 duration such as `P3D`
    /// (5 minutes to one year).
    pub expires_in: Option<String>,
    /// Comma-separated tags.
    pub tags: Option<String>,
    /// Store the image resized to this width in pixels (never enlarged).
    pub width: Option<u32>,
    /// Public id of one of your albums to put it in.
    pub album: Option<String>,
    /// `public` (default for users), `unlisted` (default for guests) or `private`.
    pub privacy: Option<String>,
    /// Optional SHA-256 (hex) of the file; the upload is refused if it does not match.
    pub sha256: Option<String>,
}

/// Upload limits and derivative sizes (admins).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UploadSettingsDto {
    /// Largest upload in bytes (default 50 MB).
    pub max_bytes: u64,
    /// Largest image in megapixels (default 100).
    pub max_megapixels: u64,
    /// Longest side in pixels (default 20000).
    pub max_side: u64,
    /// Most animation frames (default 500).
    pub max_frames: u64,
    /// Side of square thumbnails (default 320).
    pub thumb_size: u32,
    /// Long edge of the medium size (default 1280).
    pub medium_size: u32,
    /// Keep camera EXIF (never GPS) in stored originals for everyone (default false).
    pub keep_exif: bool,
    /// Let people upload without an account (default false).
    #[serde(default)]
    pub guest_uploads: bool,
    /// Largest guest upload in bytes (default 10 MB).
    #[serde(default = "default_guest_max_bytes")]
    pub guest_max_bytes: u64,
    /// Site-wide key for anonymous `/api/1/upload` uploads: empty (none, the default) or
    /// 16-128 letters, digits, `-`, `_`.
    #[serde(default)]
    pub guest_api_key: String,
    /// Let users (not only admins) upload from URLs (default false).
    #[serde(default)]
    pub url_uploads_for_users: bool,
    /// Uploads per minute/hour/day per IP address and per account (0 = no limit; admins
    /// are exempt).
    #[serde(default)]
    pub flood: FloodDto,
    /// The formats uploads may be in, decided by the file's first bytes: any of `jpeg`,
    /// `png`, `gif`, `webp`, `bmp` (default all). Others are refused with
    /// `format_not_allowed`.
    #[serde(default = "all_formats")]
    #[schema(example = json!(["jpeg", "png", "gif", "webp", "bmp"]))]
    pub allowed_formats: Vec<String>,
}

fn default_guest_max_bytes() -> u64 {
    vitrine_app::UploadSettings::default().guest_max_bytes
}

fn all_formats() -> Vec<String> {
    vitrine_media::Format::ALL
        .iter()
        .map(|f| f.name().to_owned())
        .collect()
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct WindowsDto {
    #[schema(example = 60)]
    pub per_minute: u64,
    #[schema(example = 600)]
    pub per_hour: u64,
    #[schema(example = 3000)]
    pub per_day: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct FloodDto {
    pub per_ip: WindowsDto,
    pub per_account: WindowsDto,
}

impl Default for WindowsDto {
    fn default() -> Self {
        vitrine_app::Windows::default().into()
    }
}

impl From<vitrine_app::Windows> for WindowsDto {
    fn from(w: vitrine_app::Windows) -> Self {
        Self {
            per_minute: w.per_minute,
            per_hour: w.per_hour,
            per_day: w.per_day,
        }
    }
}

impl From<WindowsDto> for vitrine_app::Windows {
    fn from(w: WindowsDto) -> Self {
        Self {
            per_minute: w.per_minute,
            per_hour: w.per_hour,
            per_day: w.per_day,
        }
    }
}

impl From<vitrine_app::UploadSettings> for UploadSettingsDto {
    fn from(s: vitrine_app::UploadSettings) -> Self {
        Self {
            max_bytes: s.max_bytes,
            max_megapixels: s.max_megapixels,
            max_side: s.max_side,
            max_frames: s.max_frames,
            thumb_size: s.thumb_size,
            medium_size: s.medium_size,
            keep_exif: s.keep_exif,
            guest_uploads: s.guest_uploads,
            guest_max_bytes: s.guest_max_bytes,
            guest_api_key: s.guest_api_key,
            url_uploads_for_users: s.url_uploads_for_users,
            flood: FloodDto {
                per_ip: s.flood.per_ip.into(),
                per_account: s.flood.per_account.into(),
            },
            allowed_formats: s
                .allowed_formats
                .iter()
                .map(|f| f.name().to_owned())
                .collect(),
        }
    }
}

impl TryFrom<UploadSettingsDto> for vitrine_app::UploadSettings {
    type Error = vitrine_app::AppError;

    fn try_from(s: UploadSettingsDto) -> Result<Self, Self::Error> {
        let allowed_formats = s
            .allowed_formats
            .iter()
            .map(|name| {
                vitrine_media::Format::from_name(name).ok_or_else(|| {
                    vitrine_domain::ValidationError::new(
                        "allowed_formats",
                        format!(
                            "unknown format {name:?}; known: {}",
                            all_formats().join(", ")
                        ),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            max_bytes: s.max_bytes,
            max_megapixels: s.max_megapixels,
            max_side: s.max_side,
            max_frames: s.max_frames,
            thumb_size: s.thumb_size,
            medium_size: s.medium_size,
            keep_exif: s.keep_exif,
            guest_uploads: s.guest_uploads,
            guest_max_bytes: s.guest_max_bytes,
            guest_api_key: s.guest_api_key,
            url_uploads_for_users: s.url_uploads_for_users,
            flood: vitrine_app::FloodLimits {
                per_ip: s.flood.per_ip.into(),
                per_account: s.flood.per_account.into(),
            },
            allowed_formats,
        })
    }
}
