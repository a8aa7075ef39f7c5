use std::process::ExitCode;

use clap::Parser;
use merx::cli::{Cli, run};
use merx::config::Config;

// tokio's runtime, not actix's: the migration harness needs a multi-threaded runtime.
#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("merx: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    merx::telemetry::init(config.log_format);
    match run(cli, config).await {
        Ok(Some(output)) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "merx failed");
            eprintln!("merx: {e}");
            ExitCode::FAILURE
        }
    }
}
