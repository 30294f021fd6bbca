//! The command line: `groundwork [serve]`, `groundwork migrate`.

use std::{io::IsTerminal, net::SocketAddr, time::Duration};

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::{EnvFilter, fmt};

use crate::{
    app, auth,
    config::{Config, LogFormat},
    curriculum,
    db::{Db, session_store::DbSessionStore},
    state::AppState,
};

#[derive(Debug, Parser)]
#[command(
    name = "groundwork",
    version,
    about = "A self-hostable learning platform for backend skills."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the migrations, then serve the web application (the default).
    Serve,
    /// Run the database migrations and exit.
    Migrate,
    /// Import a curriculum folder (upsert by UUID, in one transaction) and report the changes.
    Import {
        /// The folder, in the format of content/README.md.
        dir: std::path::PathBuf,
    },
    /// Export the curriculum in the database to a new or empty folder.
    Export { dir: std::path::PathBuf },
    /// Copy the SQLite database, consistently, to a new file (safe while serving).
    Backup { file: std::path::PathBuf },
    /// Manage administrator accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator account; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        /// Shown on the site; defaults to the part of the email before the @.
        #[arg(long)]
        display_name: Option<String>,
    },
}

pub fn init_tracing(config: &Config) {
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|error| {
        eprintln!(
            "invalid GROUNDWORK_LOG filter {:?} ({error}); using \"info\"",
            config.log
        );
        EnvFilter::new("info")
    });
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal());
    match config.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.data_dir.display()
            )
        })?;
    }
    let db = Db::connect(&config.database_url()).await?;
    db.migrate().await?;

    match cli.command.clone().unwrap_or(Command::Serve) {
        Command::Migrate => {
            tracing::info!(backend = %db.backend(), "migrations are up to date");
            db.close().await;
            Ok(())
        }
        Command::Import { dir } => {
            let result = import_dir(&db, &dir).await;
            db.close().await;
            result
        }
        Command::Export { dir } => {
            let result = async {
                let tree = curriculum::files::to_tree(&curriculum::export(&db).await?)?;
                curriculum::write_dir(&dir, &tree)?;
                println!("Exported {} files to {}", tree.len(), dir.display());
                Ok(())
            }
            .await;
            db.close().await;
            result
        }
        Command::Backup { file } => {
            let result = db.backup(&file).await;
            db.close().await;
            result?;
            println!("Backed up the database to {}", file.display());
            Ok(())
        }
        Command::Admin(AdminCommand::Create {
            email,
            display_name,
        }) => {
            let result = create_admin(&db, &email, display_name).await;
            db.close().await;
            result
        }
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(config.addr)
                .await
                .with_context(|| format!("cannot listen on {}", config.addr))?;
            if let Some(report) = curriculum::import_bundled_if_empty(&db).await? {
                tracing::info!("imported the bundled curriculum:\n{report}");
            }
            if !auth::any_admin(&db).await? {
                print_setup_link(&db, &config, listener.local_addr()?).await?;
            }
            let sessions = DbSessionStore::new(db.clone());
            let cleanup = tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(600));
                loop {
                    every.tick().await;
                    if let Err(error) = sessions.delete_expired().await {
                        tracing::warn!(%error, "cannot delete expired sessions");
                    }
                }
            });
            let state = AppState::new(config, db.clone()).await?;
            let visits = state.visits.clone();
            let result = app::serve(listener, state).await;
            // Visits noted in the last second are written before the pool closes.
            if let Err(error) = visits.flush().await {
                tracing::error!(%error, "cannot write the last lesson visits");
            }
            cleanup.abort();
            db.close().await;
            result
        }
    }
}

async fn import_dir(db: &Db, dir: &std::path::Path) -> anyhow::Result<()> {
    let tree = curriculum::read_dir(dir)?;
    let curriculum = curriculum::files::parse(&tree).map_err(|problems| {
        anyhow::anyhow!(
            "{} is not valid curriculum:\n  {}",
            dir.display(),
            problems.join("\n  ")
        )
    })?;
    let report = curriculum::import(db, &curriculum).await?;
    print!("{report}");
    if report.changed() == 0 {
        println!("Nothing changed.");
    }
    Ok(())
}

/// With no admin yet, the operator gets a one-time link to create one in the browser.
async fn print_setup_link(db: &Db, config: &Config, bound: SocketAddr) -> anyhow::Result<()> {
    let Some(token) = auth::claim_setup_token(db).await? else {
        println!(
            "\nNo administrator account exists yet. Another instance started at the same time and \
             printed the set-up link: see its output.\n"
        );
        return Ok(());
    };
    let base = match &config.public_url {
        Some(_) => config.public_url(),
        None => format!("http://{bound}"),
    };
    println!(
        "\nNo administrator account exists yet. Create the first one in your browser (link valid for 1 hour, usable once):\n\n    {base}/setup/{token}\n\nor from the command line:\n\n    groundwork admin create --email you@example.com\n"
    );
    Ok(())
}

async fn create_admin(db: &Db, email: &str, display_name: Option<String>) -> anyhow::Result<()> {
    let display_name =
        display_name.unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_owned());
    if std::io::stdin().is_terminal() {
        eprint!("Password for {email} (input is shown; pipe it in to hide it): ");
    }
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let email = auth::create_admin(db, email, &display_name, password).await?;
    println!("Administrator {email} created. Log in at /login.");
    Ok(())
}
