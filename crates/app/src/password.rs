//! Owns password hashing: argon2id off the async threads, with bounded concurrency so a burst
//! of logins cannot exhaust memory (each hash takes ~19 MiB).

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use tokio::sync::Semaphore;

use crate::AppError;

#[derive(Debug, Clone)]
pub(crate) struct Hasher {
    permits: Arc<Semaphore>,
}

/// A valid hash of a random password: verifying against it makes a login for an unknown
/// account cost the same time as one for a known account.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5Jw9lnwMGy2ZvlTQt9AHfRX6jTZkBtiaKmXgdeRs7so";

impl Hasher {
    pub(crate) fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    pub(crate) async fn hash(&self, password: &str) -> Result<String, AppError> {
        let pw = password.to_owned();
        self.run(move || {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes)
                .map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
            let salt = SaltString::encode_b64(&bytes)
                .map_err(|e| AppError::Internal(format!("salt encoding failed: {e}")))?;
            Argon2::default()
                .hash_password(pw.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
        })
        .await
    }

    /// True when `password` matches `hash`. `None` verifies against a dummy hash (false).
    pub(crate) async fn verify(
        &self,
        password: &str,
        hash: Option<&str>,
    ) -> Result<bool, AppError> {
        let pw = password.to_owned();
        let known = hash.is_some();
        let hash = hash.unwrap_or(DUMMY_HASH).to_owned();
        self.run(move || {
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| AppError::Internal(format!("stored password hash is invalid: {e}")))?;
            // The check runs before `known` is looked at: a short-circuit here made unknown
            // accounts answer ~15x faster than known ones (an account oracle).
            let matches = Argon2::default()
                .verify_password(pw.as_bytes(), &parsed)
                .is_ok();
            Ok(matches && known)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AppError::Internal("hasher closed".into()))?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_and_verifies() -> Result<(), AppError> {
        let h = Hasher::new(1);
        let hash = h.hash("correct horse").await?;
        assert!(hash.starts_with("$argon2id$"));
        assert!(h.verify("correct horse", Some(&hash)).await?);
        assert!(!h.verify("wrong horse", Some(&hash)).await?);
        assert!(!h.verify("anything", None).await?);
        Ok(())
    }
}
