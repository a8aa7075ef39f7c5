mod addresses;
mod api_keys;
mod one_time_tokens;
mod refresh_tokens;
mod users;

pub use addresses::PgAddresses;
pub use api_keys::PgApiKeys;
pub use one_time_tokens::PgOneTimeTokens;
pub use refresh_tokens::PgRefreshTokens;
pub use users::PgUsers;

use merx_kernel::StoreError;

/// A stored enum value this version does not know: the database was written by a newer one.
fn unknown_value(column: &str, value: &str) -> StoreError {
    StoreError::message(format!("unknown {column} `{value}` in the database"))
}
