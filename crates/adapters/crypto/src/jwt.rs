use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use merx_identity::{AccessClaims, AccessTokenCodec, TokenError};

/// The shortest HS256 secret accepted: 256 bits.
pub const MIN_SECRET_BYTES: usize = 32;

/// HS256 JWTs. Only the signature and shape are checked here; the identity service checks
/// `exp` against its own clock.
pub struct JwtCodec {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtCodec(***)")
    }
}

impl JwtCodec {
    /// # Errors
    /// When the secret is shorter than [`MIN_SECRET_BYTES`].
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes, got {}",
                secret.len()
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims = ["sub", "exp", "iat"]
            .into_iter()
            .map(String::from)
            .collect();
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        })
    }
}

impl AccessTokenCodec for JwtCodec {
    fn encode(&self, claims: &AccessClaims) -> Result<String, TokenError> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| TokenError::Signing(e.to_string()))
    }

    fn decode(&self, token: &str) -> Result<AccessClaims, TokenError> {
        decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| TokenError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use merx_identity::{Email, Role, UserId};

    use super::*;

    fn claims() -> AccessClaims {
        let now = chrono::Utc::now().timestamp();
        AccessClaims {
            sub: UserId::new(),
            email: Email::parse("a@example.com").expect("valid"),
            role: Role::Admin,
            iat: now,
            exp: now + 3600,
        }
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(JwtCodec::new(b"too short").is_err());
    }

    #[test]
    fn tokens_round_trip_with_the_same_secret() {
        let codec = JwtCodec::new(&[7; 32]).expect("long enough");
        let claims = claims();
        let token = codec.encode(&claims).expect("signs");
        assert_eq!(codec.decode(&token).expect("reads"), claims);
    }

    #[test]
    fn tokens_signed_with_another_secret_or_tampered_are_invalid() {
        let ours = JwtCodec::new(&[7; 32]).expect("long enough");
        let theirs = JwtCodec::new(&[8; 32]).expect("long enough");
        let token = theirs.encode(&claims()).expect("signs");
        assert_eq!(ours.decode(&token), Err(TokenError::Invalid));
        assert_eq!(ours.decode("not.a.jwt"), Err(TokenError::Invalid));
    }

    #[test]
    fn expired_tokens_still_decode_so_the_service_can_judge_them_by_its_clock() {
        let codec = JwtCodec::new(&[7; 32]).expect("long enough");
        let mut old = claims();
        old.iat -= 7200;
        old.exp -= 7200;
        let token = codec.encode(&old).expect("signs");
        assert_eq!(codec.decode(&token).expect("reads").exp, old.exp);
    }
}
