//! Owns public ids: random, unguessable (64 bits), short base62 strings such as `4fRz9Qk2LmA`.
//! Never sequential, so ids reveal nothing about counts or order.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicId(String);

impl PublicId {
    /// Encodes 64 random bits (from the caller's randomness source) as 11 base62 characters.
    pub fn from_random(bits: u64) -> Self {
        let mut n = bits;
        let mut s = [b'0'; 11];
        for c in s.iter_mut().rev() {
            *c = ALPHABET[(n % 62) as usize];
            n /= 62;
        }
        Self(s.iter().map(|&b| char::from(b)).collect())
    }

    /// Accepts what `from_random` makes (and shorter legacy ids): 4-16 base62 characters.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        if (4..=16).contains(&input.len()) && input.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(input.to_owned()))
        } else {
            Err(ValidationError::new("id", "is not a valid id"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PublicId {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PublicId> for String {
    fn from(value: PublicId) -> Self {
        value.0
    }
}

impl fmt::Display for PublicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_fixed_length_base62() {
        assert_eq!(PublicId::from_random(0).as_str(), "00000000000");
        assert_eq!(PublicId::from_random(u64::MAX).as_str().len(), 11);
        assert_ne!(PublicId::from_random(1), PublicId::from_random(2));
        assert!(PublicId::parse("abc").is_err());
        assert!(PublicId::parse("abc/def").is_err());
        assert!(PublicId::parse("4fRz9Qk2LmA").is_ok());
    }
}
