//! Owns the known-browser mark: a signed value given to a browser at every sign-in, which lets
//! that browser keep signing in to the account while failures from elsewhere hold the account
//! locked (so strangers guessing a password cannot lock its owner out). Stateless: an
//! HMAC-SHA256, under the site key, of the account and the time the mark was given. It proves
//! only that this browser signed in to this account before; it never replaces the password.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{App, AppError};

/// How long a mark is honoured after the sign-in that gave it.
pub const KNOWN_BROWSER_TTL_SECS: i64 = 90 * 24 * 3600;

fn mac(key: &[u8], user_id: i64, issued: i64) -> Result<String, AppError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| AppError::Internal(format!("bad signing key: {e}")))?;
    // A purpose prefix keeps these apart from signed file names under the same key.
    mac.update(format!("known-browser|{user_id}|{issued}").as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

impl App {
    /// A fresh mark for a browser that just signed in to `user_id`.
    pub(crate) async fn known_browser_mark(&self, user_id: i64) -> Result<String, AppError> {
        let issued = self.clock.now().0;
        let sig = mac(&self.signing_key().await?, user_id, issued)?;
        Ok(format!("{user_id}.{issued}.{sig}"))
    }

    /// Whether `mark` was given by this site to a browser that signed in to `user_id`
    /// within the last [`KNOWN_BROWSER_TTL_SECS`].
    pub(crate) async fn is_known_browser(
        &self,
        mark: &str,
        user_id: i64,
    ) -> Result<bool, AppError> {
        let mut parts = mark.splitn(3, '.');
        let (Some(uid), Some(issued), Some(sig)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(false);
        };
        let (Ok(uid), Ok(issued)) = (uid.parse::<i64>(), issued.parse::<i64>()) else {
            return Ok(false);
        };
        let now = self.clock.now().0;
        if uid != user_id || issued > now || now - issued > KNOWN_BROWSER_TTL_SECS {
            return Ok(false);
        }
        let want = mac(&self.signing_key().await?, uid, issued)?;
        Ok(want.as_bytes().ct_eq(sig.as_bytes()).into())
    }
}
