//! Owns the privacy levels of albums and media, from least to most restrictive: public
//! (listed and viewable), unlisted (viewable by link, never listed), password (viewable after
//! entering the album's password; albums only), private (owner and staff only). What a visitor
//! gets is the most restrictive level along the chain: the media's own and every album above it.

use crate::ValidationError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Privacy {
    Public,
    Unlisted,
    Password,
    Private,
}

impl Privacy {
    pub fn as_str(self) -> &'static str {
        match self {
            Privacy::Public => "public",
            Privacy::Unlisted => "unlisted",
            Privacy::Password => "password",
            Privacy::Private => "private",
        }
    }

    /// Parses a level given by a client; `field` names the input in the error.
    pub fn parse(s: &str, field: &'static str) -> Result<Privacy, ValidationError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "public" => Ok(Privacy::Public),
            "unlisted" => Ok(Privacy::Unlisted),
            "password" => Ok(Privacy::Password),
            "private" => Ok(Privacy::Private),
            _ => Err(ValidationError::new(
                field,
                "must be public, unlisted, password or private",
            )),
        }
    }

    /// A stored value; anything unknown is treated as private (fail closed).
    pub fn from_stored(s: &str) -> Privacy {
        Privacy::parse(s, "privacy").unwrap_or(Privacy::Private)
    }

    /// The more restrictive of the two.
    pub fn and(self, other: Privacy) -> Privacy {
        self.max(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_restrictive_level_wins() {
        use Privacy::*;
        assert_eq!(Public.and(Unlisted), Unlisted);
        assert_eq!(Password.and(Unlisted), Password);
        assert_eq!(Password.and(Private), Private);
        assert_eq!(Public.and(Public), Public);
        assert_eq!(Privacy::from_stored("garbage"), Private);
        assert_eq!(Privacy::parse(" Unlisted ", "privacy"), Ok(Unlisted));
        assert!(Privacy::parse("secret", "privacy").is_err());
    }
}
