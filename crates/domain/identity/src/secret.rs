//! High-entropy secrets (refresh tokens, reset tokens, API keys) and their stored hashes.
//!
//! These secrets carry 256 random bits, so a fast SHA-256 is the right hash: it lets the
//! store look a secret up by its hash, and a stolen table reveals nothing usable.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The SHA-256 of a secret, hex-encoded; what the stores keep instead of the secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretHash(String);

impl SecretHash {
    /// Wraps a hash read back from storage.
    #[must_use]
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 32 random bytes from the operating system, base64url-encoded, behind `prefix`.
///
/// # Panics
/// Only when the operating system has no randomness to give, where no secret can be made safely.
#[must_use]
pub fn generate_secret(prefix: &str) -> String {
    let mut bytes = [0_u8; 32];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

#[must_use]
pub fn hash_secret(secret: &str) -> SecretHash {
    let digest = Sha256::digest(secret.as_bytes());
    SecretHash(digest.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_and_carry_their_prefix() {
        let a = generate_secret("mrx_");
        let b = generate_secret("mrx_");
        assert_ne!(a, b);
        assert!(a.starts_with("mrx_"));
        assert_eq!(a.len(), 4 + 43);
    }

    #[test]
    fn hashing_is_stable_and_hides_the_secret() {
        let h = hash_secret("abc");
        assert_eq!(h, hash_secret("abc"));
        assert_eq!(
            h.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(h, hash_secret("abd"));
    }
}
