//! WooCommerce's webhooks (providers.md §3.9): `X-WC-Webhook-Signature` is the base64
//! HMAC-SHA256 of the raw body with the webhook's secret, checked before the body is read;
//! the unsigned `webhook_id=N` ping that creating a webhook sends must answer 200.

use base64::Engine;
use hmac::{Hmac, Mac};
use merx_sync::RemoteProduct;
use sha2::Sha256;

/// What a verified delivery is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WooWebhook {
    /// The ping of a new webhook: answer 200, nothing to do.
    Ping,
    ProductUpdated(RemoteProduct),
    /// Any other topic: acknowledged, not acted on.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// A missing or wrong signature (`webhook_verification_failed`).
    BadSignature,
    /// Signed, but not JSON of the topic it names.
    Malformed(String),
}

fn signature(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    mac
}

/// Reads a delivery: the ping is recognised unsigned; anything else must carry the signature
/// of its exact bytes.
///
/// # Errors
/// [`WebhookError`] as above.
pub fn verify(
    secret: &str,
    signature_header: Option<&str>,
    topic: Option<&str>,
    body: &[u8],
) -> Result<WooWebhook, WebhookError> {
    let Some(given) = signature_header else {
        if is_ping(body) {
            return Ok(WooWebhook::Ping);
        }
        return Err(WebhookError::BadSignature);
    };
    let given = base64::engine::general_purpose::STANDARD
        .decode(given.trim())
        .map_err(|_| WebhookError::BadSignature)?;
    // verify_slice compares in constant time.
    signature(secret, body)
        .verify_slice(&given)
        .map_err(|_| WebhookError::BadSignature)?;
    if is_ping(body) {
        return Ok(WooWebhook::Ping);
    }
    match topic {
        Some("product.updated") => {
            let value: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
            crate::wire::remote_product(&value)
                .map(WooWebhook::ProductUpdated)
                .map_err(|e| WebhookError::Malformed(e.to_string()))
        }
        other => Ok(WooWebhook::Other(other.unwrap_or_default().to_owned())),
    }
}

/// `webhook_id=<digits>`, form-encoded.
fn is_ping(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|b| {
        b.trim()
            .strip_prefix("webhook_id=")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()))
    })
}

/// The signature WooCommerce sends for `body` (for fakes and tests).
#[must_use]
pub fn sign(secret: &str, body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(signature(secret, body).finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wh-secret";

    #[test]
    fn the_unsigned_ping_passes_and_nothing_else_unsigned_does() {
        assert_eq!(
            verify(SECRET, None, None, b"webhook_id=12"),
            Ok(WooWebhook::Ping)
        );
        assert_eq!(
            verify(SECRET, None, Some("product.updated"), b"{\"id\":1}"),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, None, None, b"webhook_id=12&x=1"),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn a_signed_product_update_is_read_and_a_changed_byte_is_refused() {
        let body = br#"{"id": 799, "sku": "TEE", "manage_stock": true, "stock_quantity": 4}"#;
        let sig = sign(SECRET, body);
        let Ok(WooWebhook::ProductUpdated(p)) =
            verify(SECRET, Some(&sig), Some("product.updated"), body)
        else {
            panic!("a product update");
        };
        assert_eq!((p.id, p.stock_quantity), (799, Some(4)));
        let mut changed = body.to_vec();
        changed[10] = b'8';
        assert_eq!(
            verify(SECRET, Some(&sig), Some("product.updated"), &changed),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify("other", Some(&sig), Some("product.updated"), body),
            Err(WebhookError::BadSignature)
        );
    }
}
