//! Pure types and rules of Vitrine: validated names, roles, account states, time and errors.
//! Owns validation at the edge ("parse once, then trust the type"); never does I/O.

pub mod clock;
pub mod error;
pub mod user;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use error::ValidationError;
pub use user::{Email, Password, Role, UserStatus, Username};
