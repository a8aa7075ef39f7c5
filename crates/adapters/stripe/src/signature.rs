//! The `Stripe-Signature` scheme: `t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`, where each
//! `v1` is the lowercase hex HMAC-SHA256 of `t + "." + raw body` under the endpoint secret.
//! Every `v1` is a candidate (a rolled secret signs with old and new); other schemes are
//! ignored (downgrade attacks); a timestamp older than the tolerance is refused, a future one
//! is not (as stripe-node does).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How old a signed delivery may be: 300 s, Stripe's default.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a delivery is not Stripe's (every one answers 400 `webhook_verification_failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// No `Stripe-Signature` header.
    Missing,
    /// No timestamp, or no `v1` signature in it.
    Malformed,
    /// Signed longer ago than the tolerance.
    Stale,
    /// No `v1` matches the body under the secret.
    NoMatch,
}

impl std::error::Error for SignatureError {}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Missing => "no Stripe-Signature header",
            Self::Malformed => "the Stripe-Signature header has no timestamp or v1 signature",
            Self::Stale => "timestamp outside the tolerance zone",
            Self::NoMatch => "no signatures found matching the expected signature for payload",
        })
    }
}

/// Checks `header` against the exact bytes received, as of `now` (unix seconds).
///
/// # Errors
/// The [`SignatureError`] that makes the delivery untrusted.
pub fn verify_signature(
    header: Option<&str>,
    raw_body: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => candidates.extend(hex(sig)),
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.saturating_sub(t) > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let signed = signer(secret, t, raw_body);
    if candidates
        .iter()
        // verify_slice compares in constant time.
        .any(|c| signed.clone().verify_slice(c).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

fn signer(secret: &str, t: i64, raw_body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(raw_body);
    mac
}

/// The header Stripe would send for `raw_body` signed at `t` (for fakes and tests, like
/// stripe-node's `generateTestHeaderString`).
#[must_use]
pub fn signature_header(secret: &str, t: i64, raw_body: &[u8]) -> String {
    let tag = signer(secret, t, raw_body).finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;
    const NOW: i64 = 1_764_590_400;

    #[test]
    fn a_fresh_signature_over_the_exact_bytes_is_accepted() {
        let header = signature_header(SECRET, NOW, BODY);
        assert_eq!(verify_signature(Some(&header), BODY, SECRET, NOW), Ok(()));
        assert_eq!(
            verify_signature(Some(&header), BODY, SECRET, NOW + TOLERANCE_SECS),
            Ok(()),
            "at the edge of the tolerance"
        );
        assert_eq!(
            verify_signature(Some(&header), BODY, SECRET, NOW - 60),
            Ok(()),
            "a timestamp in the future is not refused"
        );
    }

    #[test]
    fn stale_altered_unsigned_and_foreign_deliveries_are_refused() {
        let header = signature_header(SECRET, NOW, BODY);
        assert_eq!(
            verify_signature(Some(&header), BODY, SECRET, NOW + TOLERANCE_SECS + 1),
            Err(SignatureError::Stale)
        );
        let altered = br#"{"id":"evt_1","type":"checkout.session.completed" }"#;
        assert_eq!(
            verify_signature(Some(&header), altered, SECRET, NOW),
            Err(SignatureError::NoMatch),
            "one changed byte"
        );
        assert_eq!(
            verify_signature(Some(&header), BODY, "whsec_other", NOW),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify_signature(None, BODY, SECRET, NOW),
            Err(SignatureError::Missing)
        );
        for bad in ["", "v1=abcd", &format!("t={NOW}"), "t=x,v1=00"] {
            assert!(
                verify_signature(Some(bad), BODY, SECRET, NOW).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn any_v1_may_match_and_other_schemes_never_count() {
        let good = signature_header(SECRET, NOW, BODY);
        let v1 = good.split_once(",v1=").map(|(_, s)| s).unwrap_or_default();
        let old = signature_header("whsec_rolled_away", NOW, BODY);
        let old_v1 = old.split_once(",v1=").map(|(_, s)| s).unwrap_or_default();
        let rolled = format!("t={NOW},v1={old_v1},v1={v1},v0=deadbeef");
        assert_eq!(verify_signature(Some(&rolled), BODY, SECRET, NOW), Ok(()));
        let downgrade = format!("t={NOW},v0={v1},v1={old_v1}");
        assert_eq!(
            verify_signature(Some(&downgrade), BODY, SECRET, NOW),
            Err(SignatureError::NoMatch),
            "a matching v0 is ignored"
        );
    }
}
