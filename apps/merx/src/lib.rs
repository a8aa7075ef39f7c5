//! The Merx server: reads config, builds adapters, wires the domain services and serves
//! HTTP. Usable as a library so tests (and embedders) can start it in-process.

pub mod catalog_watch;
pub mod cli;
pub mod config;
pub mod demo_orders;
pub mod http;
pub mod metrics;
pub mod outbox_worker;
pub mod progress;
pub mod seed;
pub mod startup;
pub mod state;
pub mod sweeper;
pub mod telemetry;
pub mod trusted_proxies;
pub mod wiring;

pub use config::Config;
pub use startup::Application;
pub use wiring::{StartupError, Stores};
