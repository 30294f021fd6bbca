//! The command line: `groundwork [serve]`, `groundwork migrate`.

use std::io::IsTerminal;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::{EnvFilter, fmt};

use crate::{
    app::{self, AppState},
    config::{Config, LogFormat},
    db::Db,
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

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum Command {
    /// Run the migrations, then serve the web application (the default).
    Serve,
    /// Run the database migrations and exit.
    Migrate,
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

    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            tracing::info!(backend = %db.backend(), "migrations are up to date");
            db.close().await;
            Ok(())
        }
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(config.addr)
                .await
                .with_context(|| format!("cannot listen on {}", config.addr))?;
            let state = AppState::new(config, db.clone());
            let result = app::serve(listener, state).await;
            db.close().await;
            result
        }
    }
}
