//! Privacy (spec §19): everything Merx keeps about a person, gathered in one place so it can be
//! handed to them. Each port that holds personal data answers for its own records; this crate
//! only collects.

mod export;

pub use export::{PersonalData, PrivacyError, PrivacyService};
