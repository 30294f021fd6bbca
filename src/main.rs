//! The `groundwork` binary: parse the command line, start logging, hand over to the library.

use std::process::ExitCode;

use clap::Parser;
use groundwork::cli::{self, Cli};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::init_tracing(&cli.config);
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}
