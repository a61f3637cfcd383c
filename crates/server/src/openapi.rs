//! Owns the OpenAPI description of the native REST API, generated from the handlers. A copy is
//! committed at `docs/openapi.json`; a test fails when it drifts from the code.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api_types::*;
use crate::routes::{
    api_admin, api_albums, api_auth, api_me, api_media, api_media_bulk, api_profile_images,
    api_users, oembed,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vitrine API",
        description = "The native REST API of Vitrine. Authenticate with a session cookie \
            (from `/api/v1/auth/login`) or an API key (`Authorization: Bearer KEY` or \
            `X-API-Key: KEY`). Errors are `{\"error\": {\"code\", \"message\"}}` with a \
            stable `code`."
    ),
    paths(
        api_auth::signup, api_auth::confirm_signup, api_auth::login, api_auth::logout,
        api_auth::request_password_reset, api_auth::confirm_password_reset,
        api_me::get_me, api_me::update_me, api_me::change_password,
        api_me::list_api_keys, api_me::create_api_key, api_me::revoke_api_key,
        api_me::get_sharex_config,
        api_media::upload_media, api_media::get_media, api_media::update_media, api_media::delete_media, api_media::list_my_media,
        api_media::list_recent_media, api_media_bulk::move_media, api_media_bulk::edit_media, api_media_bulk::delete_media,
        api_albums::create_album, api_albums::get_album, api_albums::update_album, api_albums::delete_album,
        api_albums::unlock_album, api_albums::list_album_media, api_albums::list_sub_albums, api_albums::move_albums,
        api_albums::list_my_albums,
        api_users::get_user, api_users::list_user_media, api_users::list_user_albums,
        oembed::oembed, oembed::media_embed, oembed::album_embed, oembed::signed_urls,
        oembed::media_share, oembed::album_share,
        api_profile_images::put_avatar, api_profile_images::delete_avatar,
        api_profile_images::put_cover, api_profile_images::delete_cover,
        api_admin::list_users, api_admin::update_user, api_admin::get_settings, api_admin::update_settings,
        api_admin::get_upload_settings, api_admin::put_upload_settings,
        api_admin::put_logo, api_admin::delete_logo,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Sign up, sign in and out"),
        (name = "me", description = "The signed-in account"),
        (name = "api-keys", description = "Keys for tools and scripts"),
        (name = "media", description = "Upload and manage images"),
        (name = "albums", description = "Nested albums, privacy levels and password protection"),
        (name = "users", description = "Public profiles and what people share"),
        (name = "sharing", description = "Embed codes and oEmbed"),
        (name = "admin", description = "Administration (admins only)"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("vitrine_session"))),
        );
    }
}

/// The description as committed: pretty JSON with a trailing newline.
pub fn openapi_json() -> String {
    let mut s = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}
