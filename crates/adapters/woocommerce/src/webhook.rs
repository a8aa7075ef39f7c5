//! WooCommerce's webhooks (providers.md §3.9): `X-WC-Webhook-Signature` is the base64
//! HMAC-SHA256 of the raw body with the webhook's secret, checked before the body is read;
//! the unsigned `webhook_id=N` ping that creating a webhook sends must answer 200. The
//! [`merx_sync::Storefront::verify_webhook`] of [`crate::WooCommerce`].

use base64::Engine;
use hmac::{Hmac, Mac};
use merx_sync::{StorefrontEvent, WebhookRejection};
use sha2::Sha256;

fn signature(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    mac
}

/// Reads a delivery: the ping is recognised unsigned; anything else must carry the signature
/// of its exact bytes. Without a secret nothing can be verified, so only the unsigned ping
/// passes (a signature sent then counts as none).
///
/// # Errors
/// [`WebhookRejection`] as [`merx_sync::Storefront::verify_webhook`] says.
pub(crate) fn verify(
    secret: Option<&str>,
    signature_header: Option<&str>,
    topic: Option<&str>,
    body: &[u8],
) -> Result<StorefrontEvent, WebhookRejection> {
    let secret = secret.unwrap_or_default();
    let Some(given) = signature_header.filter(|_| !secret.is_empty()) else {
        if is_ping(body) {
            return Ok(StorefrontEvent::Ping);
        }
        return Err(WebhookRejection::BadSignature);
    };
    let given = base64::engine::general_purpose::STANDARD
        .decode(given.trim())
        .map_err(|_| WebhookRejection::BadSignature)?;
    // verify_slice compares in constant time.
    signature(secret, body)
        .verify_slice(&given)
        .map_err(|_| WebhookRejection::BadSignature)?;
    if is_ping(body) {
        return Ok(StorefrontEvent::Ping);
    }
    match topic {
        Some("product.updated") => {
            let value: serde_json::Value = serde_json::from_slice(body)
                .map_err(|e| WebhookRejection::Malformed(e.to_string()))?;
            crate::wire::remote_product(&value)
                .map(StorefrontEvent::ProductUpdated)
                .map_err(|e| WebhookRejection::Malformed(e.to_string()))
        }
        other => Ok(StorefrontEvent::Other(other.unwrap_or_default().to_owned())),
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

    const SECRET: Option<&str> = Some("wh-secret");

    #[test]
    fn the_unsigned_ping_passes_and_nothing_else_unsigned_does() {
        assert_eq!(
            verify(SECRET, None, None, b"webhook_id=12"),
            Ok(StorefrontEvent::Ping)
        );
        assert_eq!(
            verify(SECRET, None, Some("product.updated"), b"{\"id\":1}"),
            Err(WebhookRejection::BadSignature)
        );
        assert_eq!(
            verify(SECRET, None, None, b"webhook_id=12&x=1"),
            Err(WebhookRejection::BadSignature)
        );
    }

    #[test]
    fn a_signed_product_update_is_read_and_a_changed_byte_is_refused() {
        let body = br#"{"id": 799, "sku": "TEE", "manage_stock": true, "stock_quantity": 4}"#;
        let sig = sign("wh-secret", body);
        let Ok(StorefrontEvent::ProductUpdated(p)) =
            verify(SECRET, Some(&sig), Some("product.updated"), body)
        else {
            panic!("a product update");
        };
        assert_eq!((p.id, p.stock_quantity), (799, Some(4)));
        let mut changed = body.to_vec();
        changed[10] = b'8';
        assert_eq!(
            verify(SECRET, Some(&sig), Some("product.updated"), &changed),
            Err(WebhookRejection::BadSignature)
        );
        assert_eq!(
            verify(Some("other"), Some(&sig), Some("product.updated"), body),
            Err(WebhookRejection::BadSignature)
        );
        assert!(matches!(
            verify(
                SECRET,
                Some(&sign("wh-secret", b"[1]")),
                Some("product.updated"),
                b"[1]"
            ),
            Err(WebhookRejection::Malformed(_))
        ));
        assert_eq!(
            verify(
                SECRET,
                Some(&sign("wh-secret", b"{}")),
                Some("order.created"),
                b"{}"
            ),
            Ok(StorefrontEvent::Other("order.created".into()))
        );
    }

    #[test]
    fn without_a_secret_only_the_ping_passes_even_signed() {
        let body = br#"{"id": 799}"#;
        for secret in [None, Some("")] {
            assert_eq!(
                verify(secret, Some(&sign("", body)), Some("product.updated"), body),
                Err(WebhookRejection::BadSignature)
            );
            assert_eq!(
                verify(secret, Some("bm9wZQ=="), None, b"webhook_id=7"),
                Ok(StorefrontEvent::Ping)
            );
        }
    }
}
