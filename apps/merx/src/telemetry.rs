//! Logs: JSON lines on stderr by default (pretty with LOG_FORMAT=pretty), filtered by RUST_LOG.
//! stdout stays free for the CLI's results.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogFormat::Pretty => builder.pretty().try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    drop(result);
}
