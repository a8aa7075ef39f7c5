use async_trait::async_trait;
use merx_identity::{IdentityError, PasswordHash, PasswordHasher};

/// bcrypt at a configurable cost (12 in production, 4 in tests). Hashing runs on tokio's
/// blocking pool: at cost 12 one hash takes about a quarter of a second of CPU, which must not
/// stall the async workers serving other requests.
#[derive(Debug, Clone, Copy)]
pub struct BcryptHasher {
    cost: u32,
}

impl BcryptHasher {
    /// # Panics
    /// When `cost` is outside bcrypt's 4..=31.
    #[must_use]
    pub fn new(cost: u32) -> Self {
        assert!(
            (4..=31).contains(&cost),
            "bcrypt cost must be within 4..=31, got {cost}"
        );
        Self { cost }
    }
}

fn failed(e: impl std::fmt::Display) -> IdentityError {
    IdentityError::Hashing(e.to_string())
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &str) -> Result<PasswordHash, IdentityError> {
        let (password, cost) = (password.to_owned(), self.cost);
        let hash = tokio::task::spawn_blocking(move || bcrypt::hash(password, cost))
            .await
            .map_err(failed)?
            .map_err(failed)?;
        Ok(PasswordHash::from_stored(hash))
    }

    async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool, IdentityError> {
        let (password, hash) = (password.to_owned(), hash.as_str().to_owned());
        let verdict = tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash))
            .await
            .map_err(failed)?;
        // A malformed stored hash is a mismatch: the caller answers "wrong password".
        Ok(verdict.unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = BcryptHasher::new(4);
        let hash = hasher.hash("correct horse").await.expect("hashes");
        assert!(hash.as_str().starts_with("$2b$04$"));
        assert!(
            hasher
                .verify("correct horse", &hash)
                .await
                .expect("verifies")
        );
        assert!(!hasher.verify("wrong horse", &hash).await.expect("verifies"));
    }

    #[tokio::test]
    async fn a_malformed_hash_is_a_mismatch_not_an_error() {
        let hasher = BcryptHasher::new(4);
        let garbage = PasswordHash::from_stored("not-a-hash".into());
        assert!(!hasher.verify("anything", &garbage).await.expect("no error"));
    }
}
