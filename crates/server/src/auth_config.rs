//! Owns the `[auth]` settings: session lifetimes, failed-login and sign-up throttles, and the
//! lifetimes of e-mailed links; their checks at start, and the app's policy made from them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Idle lifetime of a normal session, in hours.
    pub session_hours: u32,
    /// Lifetime of a "keep me signed in" session, in days.
    pub remember_days: u32,
    /// Window for counting failed logins, in minutes.
    pub login_window_minutes: u32,
    /// Failed logins to one account from one address within the window before that address
    /// is refused for that account (others still get through).
    pub max_failures_per_account: u32,
    /// Failed logins to one account from all addresses within the window before the account
    /// takes sign-ins only from browsers and addresses that signed in to it before.
    pub lock_account_after_failures: u32,
    pub max_failures_per_ip: u32,
    /// Sign-up attempts from one IP address per hour, whether or not they create an account
    /// (0: no limit). Its former name `max_signups_per_ip_per_hour` is still read.
    #[serde(alias = "max_signups_per_ip_per_hour")]
    pub max_signup_attempts_per_ip_per_hour: u32,
    /// How long a sign-up confirmation link works, in hours (sites that send e-mail).
    pub signup_link_hours: u32,
    /// Password reset e-mails one account may be sent per hour.
    pub max_resets_per_account_per_hour: u32,
    /// Password reset requests from one IP address per hour.
    pub max_resets_per_ip_per_hour: u32,
    /// How long a password reset link works, in minutes.
    pub reset_link_minutes: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_hours: 24,
            remember_days: 30,
            login_window_minutes: 15,
            max_failures_per_account: 5,
            lock_account_after_failures: 50,
            max_failures_per_ip: 20,
            max_signup_attempts_per_ip_per_hour: 20,
            signup_link_hours: 24,
            max_resets_per_account_per_hour: 3,
            max_resets_per_ip_per_hour: 10,
            reset_link_minutes: 60,
        }
    }
}

impl AuthConfig {
    /// Why the settings cannot be used, if they cannot.
    pub fn problem(&self) -> Option<&'static str> {
        let durations = [
            self.session_hours,
            self.remember_days,
            self.login_window_minutes,
            self.reset_link_minutes,
            self.signup_link_hours,
        ];
        durations
            .contains(&0)
            .then_some("durations must be greater than zero")
    }

    /// The app's policy, in the units it counts in.
    pub fn policy(&self) -> vitrine_app::AuthPolicy {
        vitrine_app::AuthPolicy {
            session_ttl_secs: i64::from(self.session_hours) * 3600,
            remember_ttl_secs: i64::from(self.remember_days) * 86400,
            login_window_secs: i64::from(self.login_window_minutes) * 60,
            max_failures_per_account: u64::from(self.max_failures_per_account),
            lock_account_after_failures: u64::from(self.lock_account_after_failures),
            max_failures_per_ip: u64::from(self.max_failures_per_ip),
            max_signup_attempts_per_ip_per_hour: u64::from(
                self.max_signup_attempts_per_ip_per_hour,
            ),
            signup_link_ttl_secs: i64::from(self.signup_link_hours) * 3600,
            max_resets_per_account_per_hour: u64::from(self.max_resets_per_account_per_hour),
            max_resets_per_ip_per_hour: u64::from(self.max_resets_per_ip_per_hour),
            reset_link_ttl_secs: i64::from(self.reset_link_minutes) * 60,
        }
    }
}
