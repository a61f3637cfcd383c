//! Owns the `App` context every use case receives: database, clock, policy and hasher.

use std::sync::Arc;

use tokio::sync::Semaphore;
use vitrine_db::Db;
use vitrine_domain::Clock;
use vitrine_storage::BlobStore;

use crate::AppError;
use crate::fetch::{FetchPolicy, UrlFetcher};
use crate::password::Hasher;
use crate::single_flight::SingleFlight;

/// Account security policy, from configuration.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    /// Idle lifetime of a session without remember-me (sliding).
    pub session_ttl_secs: i64,
    /// Lifetime of a remember-me session (sliding).
    pub remember_ttl_secs: i64,
    /// Window in which failed logins are counted.
    pub login_window_secs: i64,
    /// Failed logins for one account from one address within the window before that address
    /// is refused for that account.
    pub max_failures_per_account: u64,
    /// Failed logins for one account from all addresses within the window before the account
    /// takes sign-ins only from browsers and addresses it has signed in from before.
    pub lock_account_after_failures: u64,
    /// Failed logins from one IP address within the window before it is throttled.
    pub max_failures_per_ip: u64,
    /// Sign-up attempts one IP address may make per hour, whether or not they create an
    /// account (0: no limit).
    pub max_signup_attempts_per_ip_per_hour: u64,
    /// How long a sign-up confirmation link works.
    pub signup_link_ttl_secs: i64,
    /// Password reset e-mails one account may be sent per hour.
    pub max_resets_per_account_per_hour: u64,
    /// Password reset requests one IP address may make per hour.
    pub max_resets_per_ip_per_hour: u64,
    /// How long a password reset link works.
    pub reset_link_ttl_secs: i64,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            session_ttl_secs: 24 * 3600,
            remember_ttl_secs: 30 * 24 * 3600,
            login_window_secs: 15 * 60,
            max_failures_per_account: 5,
            lock_account_after_failures: 50,
            max_failures_per_ip: 20,
            max_signup_attempts_per_ip_per_hour: 20,
            signup_link_ttl_secs: 24 * 3600,
            max_resets_per_account_per_hour: 3,
            max_resets_per_ip_per_hour: 10,
            reset_link_ttl_secs: 3600,
        }
    }
}

/// The context of every use case. Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    pub db: Db,
    pub storage: BlobStore,
    pub clock: Arc<dyn Clock>,
    pub policy: AuthPolicy,
    pub(crate) hasher: Hasher,
    /// One image decode per core at a time; further uploads wait their turn.
    pub(crate) cpu: Arc<Semaphore>,
    pub(crate) flights: SingleFlight,
    pub(crate) fetcher: UrlFetcher,
    /// The file-signing key, read (or created) once from the settings table.
    pub(crate) signing_key: Arc<tokio::sync::OnceCell<Vec<u8>>>,
    /// How long a claimed job stays claimed without a sign of life from its worker (which
    /// renews it while the job runs); a crashed worker's job runs again after this.
    pub job_lease_secs: i64,
    /// Longest an upload waits for its image to be processed before it is refused (the work
    /// itself cannot be cut short: it keeps its processing slot until it ends, bounded by the
    /// pixel limits).
    pub process_timeout: std::time::Duration,
    /// External decoder programs (HEIC and AVIF) and their scratch directory. Shared: the app
    /// is cloned for every request.
    pub tools: Arc<vitrine_media::Tools>,
    /// Redis, when configured: settings cache and rate-limit counters.
    pub cache: Option<crate::SharedCache>,
    /// Where e-mail goes (password reset and sign-up links); `None`: the site sends none (and
    /// sign-up collects no address).
    pub mailer: Option<Arc<crate::Mailer>>,
}

impl App {
    pub fn new(
        db: Db,
        storage: BlobStore,
        clock: Arc<dyn Clock>,
        policy: AuthPolicy,
        fetch: &FetchPolicy,
    ) -> Result<Self, AppError> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Self {
            db,
            storage,
            clock,
            policy,
            hasher: Hasher::new(cores),
            cpu: Arc::new(Semaphore::new(cores)),
            flights: SingleFlight::default(),
            fetcher: UrlFetcher::new(fetch)?,
            signing_key: Arc::new(tokio::sync::OnceCell::new()),
            job_lease_secs: crate::worker::DEFAULT_LEASE_SECS,
            process_timeout: std::time::Duration::from_secs(60),
            tools: Arc::new(vitrine_media::Tools::default()),
            cache: None,
            mailer: None,
        })
    }
}
