//! Owns short-lived signed file URLs: for media the viewer may see, a link to each file that
//! works without the viewer's session (for a client that fetches files separately, or a
//! colleague the link is handed to) until it expires. The signature is an HMAC-SHA256 of the
//! file name and expiry under a site key created once and shared by every node through the
//! settings table; it is never shown anywhere.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use vitrine_domain::Timestamp;

use crate::visibility::Viewer;
use crate::{App, AppError};

const KEY_SETTING: &str = "file_signing_key";
/// How long a signed link works.
pub const SIGNED_URL_TTL_SECS: i64 = 3600;

/// A file name signed until `expires`.
#[derive(Debug, Clone)]
pub struct Signature {
    pub expires: Timestamp,
    pub sig: String,
}

impl App {
    pub(crate) async fn signing_key(&self) -> Result<Vec<u8>, AppError> {
        if let Some(k) = self.signing_key.get() {
            return Ok(k.clone());
        }
        let fresh = crate::tokens::random_token()?;
        let stored = self
            .db
            .setting_or_insert(KEY_SETTING, &fresh, self.clock.now())
            .await?;
        let key = stored.into_bytes();
        let _ = self.signing_key.set(key.clone());
        Ok(key)
    }

    fn mac(key: &[u8], name: &str, expires: i64) -> Result<String, AppError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key)
            .map_err(|e| AppError::Internal(format!("bad signing key: {e}")))?;
        mac.update(name.as_bytes());
        mac.update(b"|");
        mac.update(expires.to_string().as_bytes());
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// Signatures for the given file names of media `id`, if the viewer may see it.
    pub async fn sign_files(
        &self,
        viewer: &Viewer,
        id: &str,
        names: &[String],
    ) -> Result<Vec<(String, Signature)>, AppError> {
        self.get_media(viewer, id).await?;
        let key = self.signing_key().await?;
        let expires = self.clock.now().plus_seconds(SIGNED_URL_TTL_SECS);
        names
            .iter()
            .map(|n| {
                Ok((
                    n.clone(),
                    Signature {
                        expires,
                        sig: Self::mac(&key, n, expires.0)?,
                    },
                ))
            })
            .collect()
    }

    /// Whether `sig` signs the file `name` and has not expired.
    pub async fn signature_valid(
        &self,
        name: &str,
        expires: i64,
        sig: &str,
    ) -> Result<bool, AppError> {
        if expires <= self.clock.now().0 || expires > self.clock.now().0 + SIGNED_URL_TTL_SECS {
            return Ok(false);
        }
        let key = self.signing_key().await?;
        let want = Self::mac(&key, name, expires)?;
        Ok(bool::from(want.as_bytes().ct_eq(sig.as_bytes())))
    }
}
