//! Pure types and rules of Vitrine: validated names, roles, account states, colours, time and
//! errors. Owns validation at the edge ("parse once, then trust the type"); never does I/O.

pub mod clock;
pub mod color;
pub mod duration;
pub mod error;
pub mod privacy;
pub mod public_id;
pub mod user;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use color::HexColor;
pub use duration::parse_duration_secs;
pub use error::ValidationError;
pub use privacy::Privacy;
pub use public_id::PublicId;
pub use user::{Email, Password, Role, UserStatus, Username};
