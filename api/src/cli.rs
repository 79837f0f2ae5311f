//! The `gatehouse` command line.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use domain::Gatehouse;
use domain::bootstrap::{self, AdminSpec, CreatedAdmin};
use domain::config::Settings;
use domain::secrecy::SecretString;

use crate::server::{Server, shutdown_signal};
use crate::{graphql, telemetry};

/// Gatehouse: back-office user and access management for B2B commerce,
/// served as a GraphQL API.
///
/// Settings come from defaults, then the TOML file given with --config (or
/// ./gatehouse.toml when present), then GATEHOUSE_* environment variables
/// (GATEHOUSE_SERVER__PORT=9000). See the README for every setting.
#[derive(Parser, Debug)]
#[command(name = "gatehouse", version)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(
        long,
        short,
        global = true,
        env = "GATEHOUSE_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default): applies migrations when
    /// database.auto_migrate is on, sets up an empty database with an
    /// administrator, and serves GraphQL on /graphql until SIGINT or SIGTERM.
    Serve,
    /// Run the background workers alone, without the HTTP server: jobs
    /// (mass actions, exports) and email delivery from the configured queue,
    /// until SIGINT or SIGTERM, letting running tasks finish. Several worker
    /// processes on one Redis share the work. Set
    /// jobs.in_process_worker = false on the API servers then.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write the GraphQL schema (SDL) to a file, or check that it is current.
    ExportSchema(ExportSchema),
    /// Manage the OAuth signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Write a new 2048-bit RSA key pair for signing OAuth access tokens
    /// (PKCS#8 and SPKI PEM) to the configured oauth.private_key_path and
    /// oauth.public_key_path, and the client-secret hash key to
    /// oauth.hash_key_path when it is missing. Existing key files are kept
    /// unless --force is given; the hash key is never replaced (every
    /// client secret would stop working). See docs/OAUTH.md for rotation.
    Generate(KeysGenerate),
}

#[derive(Args, Debug)]
pub struct KeysGenerate {
    /// Where to write the private key instead of oauth.private_key_path.
    #[arg(long, value_name = "FILE")]
    pub private_key: Option<PathBuf>,
    /// Where to write the public key instead of oauth.public_key_path.
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
    /// Replace an existing key pair.
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a user holding the Administrator role in the first
    /// organization. Without --password-stdin a password is generated and
    /// printed once.
    Create(AdminCreate),
}

#[derive(Args, Debug)]
pub struct AdminCreate {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub email: String,
    #[arg(long, default_value = "Administrator")]
    pub first_name: String,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Args, Debug)]
pub struct ExportSchema {
    /// Where to write the schema; `-` for standard output.
    #[arg(long, short, default_value = "schema.graphql")]
    pub output: PathBuf,
    /// Do not write: fail when the file differs from the schema in the code.
    #[arg(long)]
    pub check: bool,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    // Tasks still running (a delivery stuck on a dead connection) must not
    // keep the process alive after shutdown.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn settings(config: Option<&Path>) -> anyhow::Result<Settings> {
    let default = Path::new("gatehouse.toml");
    let file = config.or_else(|| default.exists().then_some(default));
    Settings::load(file).map_err(|error| anyhow::anyhow!("invalid configuration: {error}"))
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::ExportSchema(args) => export_schema(&args),
        Command::Serve => serve(settings(cli.config.as_deref())?).await,
        Command::Worker => work(settings(cli.config.as_deref())?).await,
        Command::Migrate => {
            let settings = settings(cli.config.as_deref())?;
            telemetry::init(&settings.log);
            let (db, stats) = domain::db::connect(&settings.database).await?;
            domain::db::migrate(&db).await?;
            Gatehouse::new(db, stats, settings)?.prepare().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Keys(KeysCommand::Generate(args)) => {
            let settings = settings(cli.config.as_deref())?;
            let oauth = &settings.oauth;
            let private_key = args
                .private_key
                .unwrap_or_else(|| oauth.private_key_path.clone());
            let public_key = args
                .public_key
                .unwrap_or_else(|| oauth.public_key_path.clone());
            let generated = domain::oauth::keys::generate_files(
                &private_key,
                &public_key,
                &oauth.hash_key_path,
                args.force,
            )?;
            if generated.written.is_empty() {
                println!(
                    "{} and {} exist already; nothing written (--force writes a new pair)",
                    private_key.display(),
                    public_key.display()
                );
            }
            for path in &generated.written {
                println!("wrote {}", path.display());
            }
            if let Some(kid) = generated.kid {
                println!("kid {kid}");
            }
            Ok(())
        }
        Command::Admin(AdminCommand::Create(args)) => {
            let settings = settings(cli.config.as_deref())?;
            telemetry::init(&settings.log);
            let app = Gatehouse::connect(settings).await?;
            bootstrap::first_start(&app).await?;
            let password = if args.password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password")?;
                Some(SecretString::from(
                    line.trim_end_matches(['\r', '\n']).to_owned(),
                ))
            } else {
                None
            };
            let spec = AdminSpec {
                username: args.username,
                email: args.email,
                first_name: args.first_name,
                password,
            };
            let created = bootstrap::create_admin(&app, spec).await?;
            print_admin(&created);
            Ok(())
        }
    }
}

fn export_schema(args: &ExportSchema) -> anyhow::Result<()> {
    let sdl = graphql::sdl();
    if args.output == Path::new("-") {
        print!("{sdl}");
        return Ok(());
    }
    if args.check {
        let current = std::fs::read_to_string(&args.output).unwrap_or_default();
        anyhow::ensure!(
            current == sdl,
            "{} is out of date; run `cargo run -- export-schema`",
            args.output.display()
        );
        return Ok(());
    }
    std::fs::write(&args.output, sdl)
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!("wrote {}", args.output.display());
    Ok(())
}

fn print_admin(created: &CreatedAdmin) {
    match &created.generated_password {
        Some(password) => println!(
            "Created the administrator {:?} with the password {password:?}. It is shown only this once: change it after logging in.",
            created.username
        ),
        None => println!(
            "Created the administrator {:?} with the configured password.",
            created.username
        ),
    }
}

async fn work(settings: Settings) -> anyhow::Result<()> {
    telemetry::init(&settings.log);
    let grace = std::time::Duration::from_secs(settings.server.shutdown_grace_secs);
    if let Some(address) = &settings.jobs.worker_metrics_address {
        crate::http::metrics::recorder();
        let listener = tokio::net::TcpListener::bind(address.as_str())
            .await
            .with_context(|| format!("binding jobs.worker_metrics_address {address}"))?;
        let routes = axum::Router::new()
            .route(
                "/metrics",
                axum::routing::get(crate::http::metrics::process_metrics),
            )
            .route("/healthz", axum::routing::get(crate::http::health::healthz));
        tracing::info!(%address, "worker metrics at /metrics");
        tokio::spawn(async move { axum::serve(listener, routes).await });
    }
    let app = Gatehouse::connect(settings).await?;
    let backends = worker::Backends::connect(&app).await?;
    app.set_queue(backends.clone().into_queue())?;
    let options = worker::WorkerOptions {
        grace,
        ..worker::WorkerOptions::default()
    };
    worker::run(app, backends, options, shutdown_signal()).await?;
    tracing::info!("workers stopped");
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    telemetry::init(&settings.log);
    tracing::info!(database = ?settings.database, "starting Gatehouse");
    let app = Gatehouse::connect(settings).await?;
    if let Some(created) = bootstrap::first_start(&app).await? {
        print_admin(&created);
    }
    let server = Server::bind(app.clone())
        .await
        .context("binding the HTTP listener")?;
    let address = server.local_addr()?;
    tracing::info!(%address, "ready: GraphiQL at http://{address}/graphql");
    server.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}
