//! Owns log output: pretty lines for people by default (coloured only on a terminal), JSON lines
//! for collectors.
//! `RUST_LOG` overrides the configured level.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        let configured =
            EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
        // PostgreSQL reports "relation already exists, skipping" for every idempotent
        // migration statement, and the migrator narrates each run: chatter at every start and
        // every command (we log what was applied ourselves).
        ["sqlx::postgres::notice=warn", "sea_orm_migration=warn"]
            .iter()
            .filter_map(|d| d.parse().ok())
            .fold(configured, EnvFilter::add_directive)
    });
    // Colour codes only for a person at a terminal: a file or a pipe (journald, a collector)
    // would keep them as noise in every line.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
