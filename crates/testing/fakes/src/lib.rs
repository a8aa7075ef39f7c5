//! Local fakes of the providers Merx talks to, for tests without the internet. Each follows
//! ../shared/docs/providers.md: its wire format, its error bodies, its idempotency.

pub mod stripe;
