//! Owns the `vitrine` command line: `serve` (the default), `migrate`, `user`, `apikey` and
//! `config print`. Every command reads the same layered configuration.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use tokio::net::TcpListener;
use vitrine_app::{Actor, App, RequestMeta, SignupInput};
use vitrine_domain::{Role, SystemClock, UserStatus};

use crate::config::{self, Config, FlagOverrides};
use crate::serve;
use crate::storage_config::Stores;

#[derive(Debug, Parser)]
#[command(
    name = "vitrine",
    version,
    about = "Vitrine: self-hosted media hosting"
)]
struct Cli {
    /// Configuration file (default: ./vitrine.toml when present; also VITRINE_CONFIG).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Data directory (overrides VITRINE_DATA_DIR and the file).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL (overrides VITRINE_DATABASE_URL and the file).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// `serve` options, also accepted without the word `serve`.
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run only the background job worker (pair with `serve --no-worker` to split web and job
    /// processes; any number of workers may run against one database).
    Worker,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Apikey(ApiKeyCommand),
    /// Show the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Verify that every stored original and derivative exists and matches its hash, and list
    /// files nothing refers to. Exits with status 1 when something is wrong.
    Check,
    /// Measure speed (docs/benchmarks.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Database tools.
    #[command(subcommand)]
    Db(DbCommand),
    /// File store tools.
    #[command(subcommand)]
    Storage(StorageCommand),
    /// The background job queue.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Remove files and blobs nothing refers to, half-written files and stale temp files.
    Gc {
        /// Keep files younger than this many seconds (they may belong to a running upload).
        #[arg(long, default_value_t = 3600)]
        min_age: u64,
    },
}

#[derive(Debug, Default, Args)]
struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long)]
    bind: Option<String>,
    /// Public URL of the site, e.g. https://img.example.org.
    #[arg(long)]
    public_url: Option<String>,
    /// Do not run the background job worker in this process.
    #[arg(long)]
    no_worker: bool,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from stdin (or --password-file).
    Add {
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "user")]
        role: String,
        #[arg(long, value_name = "PATH")]
        password_file: Option<PathBuf>,
    },
    /// Set a new password (ends the user's sessions). Read from stdin or --password-file.
    Passwd {
        username: String,
        #[arg(long, value_name = "PATH")]
        password_file: Option<PathBuf>,
    },
    /// Change a user's role: admin, manager or user.
    Role { username: String, role: String },
    /// Ban a user (ends their sessions; their keys stop working).
    Ban { username: String },
    /// Lift a ban.
    Unban { username: String },
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Copy a whole installation's database to another one (e.g. SQLite to PostgreSQL). The
    /// target is migrated first and must be empty unless --force (which wipes it). Media files
    /// are not copied: point the new configuration at the same storage.
    Copy {
        /// Source database URL (default: the configured database).
        #[arg(long)]
        from: Option<String>,
        /// Target database URL, e.g. postgres://vitrine@127.0.0.1/vitrine.
        #[arg(long)]
        to: String,
        /// Wipe a non-empty target first.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// How many jobs there are of each kind and status.
    Status,
    /// Queue diagnostic jobs that wait, then record that they ran: with several workers
    /// running, each must run exactly once. Prints their ids.
    Probe {
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// How long each one works, in milliseconds.
        #[arg(long, default_value_t = 0)]
        sleep_ms: u64,
    },
}

#[derive(Debug, Subcommand)]
enum StorageCommand {
    /// Copy every original and derivative to another store (`local` or `s3`, both set up in
    /// the configuration), verifying each by SHA-256, then switch the site over. Interrupted,
    /// it resumes when run again; it switches only when every file is there.
    Migrate {
        /// The store to move to: `local` or `s3`.
        #[arg(long)]
        to: String,
        /// Also re-read and hash the files an earlier run already copied.
        #[arg(long)]
        verify: bool,
        /// Stop once about this many files were copied in this run (the switch waits for a
        /// run that gets to the end).
        #[arg(long)]
        limit: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
enum ApiKeyCommand {
    /// Create an API key for a user and print its secret (shown only once).
    Create {
        username: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Time the ingest pipeline per image, beside `vipsthumbnail` on the same files.
    Ingest {
        /// Images to use (default: generated 12 and 24 MP photos).
        #[arg(long)]
        images: Option<PathBuf>,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Upload files through HTTP and report uploads/s and latency.
    Upload {
        /// Base URL of a running site.
        #[arg(long)]
        url: String,
        /// API key (or VITRINE_BENCH_KEY).
        #[arg(long, env = "VITRINE_BENCH_KEY")]
        key: String,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        #[arg(long, default_value_t = 50)]
        count: usize,
        /// Files to upload (default: generated 12 MP photos).
        #[arg(long)]
        files: Option<PathBuf>,
    },
    /// Start a fresh site on loopback and drive mixed traffic at it; report throughput,
    /// latency, errors and the site's memory. Fails when any request got a 5xx.
    Soak {
        #[arg(long, default_value_t = 10.0)]
        minutes: f64,
        /// Clients sending requests at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the merged configuration (secrets hidden).
    Print,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let serve_args = match &cli.command {
        Some(Command::Serve(a)) => Some(a),
        None => Some(&cli.serve),
        Some(_) => None,
    };
    let flags = FlagOverrides {
        bind: serve_args.and_then(|a| a.bind.clone()),
        public_url: serve_args.and_then(|a| a.public_url.clone()),
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        worker: serve_args.and_then(|a| a.no_worker.then_some(false)),
    };
    let config = match config::load(cli.config.as_deref(), &flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    crate::logging::init(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Option<Command>, config: Config) -> anyhow::Result<()> {
    match command {
        None | Some(Command::Serve(_)) => run_serve(config).await,
        Some(Command::Migrate) => {
            let (db, applied) = serve::open_database(&config).await?;
            println!(
                "applied {applied} migration(s); the database is up to date ({})",
                vitrine_db::redact_url(&config.database_url())
            );
            db.close().await;
            Ok(())
        }
        Some(Command::Config(ConfigCommand::Print)) => {
            print!("{}", config.to_redacted_toml());
            Ok(())
        }
        Some(Command::User(cmd)) => run_user(cmd, &app(&config).await?).await,
        Some(Command::Worker) => run_worker(&config).await,
        Some(Command::Db(DbCommand::Copy { from, to, force })) => {
            let from = from.unwrap_or_else(|| config.database_url());
            crate::db_copy::run(&from, &to, force).await
        }
        Some(Command::Jobs(JobsCommand::Status)) => {
            let app = app(&config).await?;
            println!("{:<20} {:<10} {:>8}", "KIND", "STATUS", "JOBS");
            for (kind, status, n) in app.db.job_counts().await? {
                println!("{kind:<20} {status:<10} {n:>8}");
            }
            Ok(())
        }
        Some(Command::Jobs(JobsCommand::Probe { count, sleep_ms })) => {
            let app = app(&config).await?;
            for id in app.enqueue_probes(count.min(10_000), sleep_ms).await? {
                println!("{id}");
            }
            Ok(())
        }
        Some(Command::Storage(StorageCommand::Migrate { to, verify, limit })) => {
            let (app, stores) = app_and_stores(&config).await?;
            let opts = vitrine_app::StoreMigrationOptions {
                verify_existing: verify,
                limit,
            };
            crate::storage_migrate::run(&app, &stores, &to, opts).await
        }
        Some(Command::Bench(BenchCommand::Ingest { images, runs })) => {
            tokio::task::spawn_blocking(move || crate::bench::ingest::run(images, runs)).await?
        }
        Some(Command::Bench(BenchCommand::Upload {
            url,
            key,
            concurrency,
            count,
            files,
        })) => {
            crate::bench::upload::run(crate::bench::upload::UploadBench {
                url,
                key,
                concurrency,
                count,
                files,
            })
            .await
        }
        Some(Command::Bench(BenchCommand::Soak {
            minutes,
            concurrency,
        })) => {
            crate::bench::soak::run(crate::bench::soak::SoakBench {
                minutes,
                concurrency,
            })
            .await
        }
        Some(Command::Check) => {
            let report = app(&config).await?.check().await?;
            println!(
                "checked {} originals and {} derivatives",
                report.blobs, report.variants
            );
            let lists = [
                ("missing originals (data loss)", &report.missing),
                ("corrupt originals (hash mismatch)", &report.corrupt),
                (
                    "missing derivatives (rebuilt on request)",
                    &report.missing_variants,
                ),
                (
                    "orphan files (removable with `vitrine gc`)",
                    &report.orphans,
                ),
                (
                    "files only in the old store (run `vitrine storage migrate` again)",
                    &report.only_in_old_store,
                ),
            ];
            for (what, keys) in lists {
                println!("{what}: {}", keys.len());
                for k in keys.iter().take(50) {
                    println!("  {k}");
                }
            }
            println!(
                "unused blobs (removable with `vitrine gc`): {}",
                report.unused_blobs
            );
            if report.is_consistent() {
                println!("OK: the database and the store agree");
                Ok(())
            } else {
                bail!("inconsistencies found (see above)")
            }
        }
        Some(Command::Gc { min_age }) => {
            let app = app(&config).await?;
            let temp = serve::sweep_temp_files(
                &config.temp_dir(),
                std::time::Duration::from_secs(min_age),
            );
            let r = app.gc(std::time::Duration::from_secs(min_age)).await?;
            println!(
                "removed {} orphan files, {} unused blobs, {} half-written files, {} stale upload temp files",
                r.orphans_removed, r.blobs_collected, r.staging_removed, temp
            );
            Ok(())
        }
        Some(Command::Apikey(ApiKeyCommand::Create { username, name })) => {
            let app = app(&config).await?;
            let key = app
                .create_api_key(
                    &Actor::System,
                    Some(&username),
                    &name,
                    &RequestMeta::default(),
                )
                .await?;
            eprintln!(
                "API key \"{}\" created for {username}. It is shown only once:",
                key.key.name
            );
            println!("{}", key.secret);
            Ok(())
        }
    }
}

async fn app(config: &Config) -> anyhow::Result<App> {
    Ok(app_and_stores(config).await?.0)
}

async fn app_and_stores(config: &Config) -> anyhow::Result<(App, Stores)> {
    let (db, _) = serve::open_database(config).await?;
    let (stores, storage) = serve::open_storage(config, &db).await?;
    let mut app = App::new(
        db,
        storage,
        Arc::new(SystemClock),
        config.auth_policy(),
        &config.fetch_policy(),
    )?;
    app.job_lease_secs = i64::from(config.jobs.lease_secs);
    serve::attach_cache(&mut app, config).await?;
    Ok((app, stores))
}

async fn run_user(cmd: UserCommand, app: &App) -> anyhow::Result<()> {
    let actor = Actor::System;
    match cmd {
        UserCommand::Add {
            username,
            email,
            role,
            password_file,
        } => {
            let role: Role = role.parse()?;
            let password = read_password(password_file.as_ref())?;
            let input = SignupInput {
                username,
                email,
                password,
                password_confirm: None,
            };
            let user = app.create_user(&actor, &input, role).await?;
            let email = user.email.as_ref().map_or("no e-mail", |e| e.as_str());
            println!("created {} ({email}) as {}", user.username, user.role);
        }
        UserCommand::Passwd {
            username,
            password_file,
        } => {
            let password = read_password(password_file.as_ref())?;
            app.reset_password(&actor, &username, &password).await?;
            println!("password changed for {username}; their sessions were ended");
        }
        UserCommand::Role { username, role } => {
            let user = app.set_role(&actor, &username, role.parse()?).await?;
            println!("{} is now {}", user.username, user.role);
        }
        UserCommand::Ban { username } => {
            let user = app
                .set_status(&actor, &username, UserStatus::Banned)
                .await?;
            println!("{} is banned", user.username);
        }
        UserCommand::Unban { username } => {
            let user = app
                .set_status(&actor, &username, UserStatus::Active)
                .await?;
            println!("{} is active again", user.username);
        }
    }
    Ok(())
}

/// From a file (first line), a terminal prompt (asked twice), or the first line of stdin.
fn read_password(file: Option<&PathBuf>) -> anyhow::Result<String> {
    let password = if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the password file {}", path.display()))?;
        text.lines().next().unwrap_or_default().to_owned()
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            bail!("the passwords do not match");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        bail!("no password given (pipe it on stdin or use --password-file)");
    }
    Ok(password)
}

async fn run_worker(config: &Config) -> anyhow::Result<()> {
    let (app, stores) = app_and_stores(config).await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker_id = serve::worker_id();
    eprintln!("Vitrine worker {worker_id} is running; Ctrl+C stops it after the current job.");
    let follower = tokio::spawn(serve::follow_store_switch(
        app.clone(),
        Arc::new(stores),
        stopped.clone(),
    ));
    let worker = tokio::spawn(vitrine_app::run_worker(app, worker_id, stopped));
    serve::shutdown_signal().await;
    let _ = stop.send(true);
    worker.await?;
    follower.await?;
    Ok(())
}

async fn run_serve(mut config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.bind).await.with_context(|| {
        format!(
            "cannot listen on {} (set `bind`, VITRINE_BIND or --bind)",
            config.bind
        )
    })?;
    // With port 0 the system picks one: links must name the real address.
    config.bind = listener.local_addr()?;
    let base = config.base_url();
    let state = serve::build_state(config, Arc::new(SystemClock)).await?;
    let setup = state.app.prepare_setup().await?;
    let server = serve::start(state, listener)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Vitrine {} is running at {base}",
        env!("CARGO_PKG_VERSION")
    )?;
    if let Some(addr) = server.metrics_addr {
        writeln!(out, "Metrics are served at http://{addr}/metrics only")?;
    }
    if let Some(token) = setup {
        writeln!(out)?;
        writeln!(
            out,
            "No administrator yet. Open this one-time link to create one:"
        )?;
        writeln!(out, "  {base}/setup/{token}")?;
        writeln!(
            out,
            "or run: vitrine user add NAME --email you@example.org --role admin"
        )?;
    }
    writeln!(out, "Press Ctrl+C to stop.")?;
    out.flush()?;
    drop(out);
    serve::shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    let db = server.state.app.db.clone();
    server.shutdown().await?;
    db.close().await;
    Ok(())
}
