//! Owns the naming of blobs. Keys derive from the content hash, so writing the same content
//! twice is idempotent and retries after a crash cannot create a second copy.

use crate::StorageError;

fn check_hash(hash: &str) -> Result<(), StorageError> {
    if hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        Ok(())
    } else {
        Err(StorageError::InvalidKey(hash.to_owned()))
    }
}

/// `originals/ab/cd/abcd...` for the SHA-256 (lower-case hex) of an original.
pub fn original_key(hash: &str) -> Result<String, StorageError> {
    check_hash(hash)?;
    Ok(format!("originals/{}/{}/{hash}", &hash[..2], &hash[2..4]))
}

/// `variants/ab/cd/abcd...-thumb-320.jpg`: a derivative of an original, named by what made it.
pub fn variant_key(hash: &str, name: &str, ext: &str) -> Result<String, StorageError> {
    check_hash(hash)?;
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ok(name) || !ok(ext) {
        return Err(StorageError::InvalidKey(format!("{name}.{ext}")));
    }
    Ok(format!(
        "variants/{}/{}/{hash}-{name}.{ext}",
        &hash[..2],
        &hash[2..4]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_content_addressed_and_safe() {
        let h = "ab".repeat(32);
        assert_eq!(original_key(&h).ok(), Some(format!("originals/ab/ab/{h}")));
        assert_eq!(
            variant_key(&h, "thumb-320", "jpg").ok(),
            Some(format!("variants/ab/ab/{h}-thumb-320.jpg"))
        );
        assert!(original_key("../../etc/passwd").is_err());
        assert!(original_key(&"AB".repeat(32)).is_err());
        assert!(variant_key(&h, "../x", "jpg").is_err());
        assert!(variant_key(&h, "thumb", "j/g").is_err());
    }
}
