use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use merx_kernel::VariantId;
use merx_sync::{
    Listing, OrderListing, ProductSave, RemoteError, RemoteOrder, RemoteProduct, Storefront,
    StorefrontEvent, WebhookRejection,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::wire;

/// The most objects WooCommerce takes in one batch request.
const BATCH_LIMIT: usize = 100;

/// How Merx reaches one WooCommerce store.
#[derive(Clone)]
pub struct WooConfig {
    /// `WOOCOMMERCE_URL`: the site, e.g. `https://shop.example` (pretty permalinks on).
    pub url: String,
    pub consumer_key: String,
    pub consumer_secret: String,
    /// `WOOCOMMERCE_WEBHOOK_SECRET`: verifies `POST /webhooks/woocommerce`.
    pub webhook_secret: Option<String>,
}

impl std::fmt::Debug for WooConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WooConfig")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The WooCommerce storefront.
pub struct WooCommerce {
    http: reqwest::Client,
    base: String,
    key: String,
    secret: String,
    /// Set once the server answered that the `Authorization` header did not reach it.
    keys_in_query: AtomicBool,
    /// `WOOCOMMERCE_WEBHOOK_SECRET`: without it only the unsigned ping is received.
    webhook_secret: Option<String>,
}

impl WooCommerce {
    /// # Errors
    /// When the URL is neither `https://` nor on a loopback host ([`crate::check_site_url`]),
    /// or the HTTP client cannot be built.
    pub fn new(config: &WooConfig) -> Result<Self, String> {
        crate::check_site_url(&config.url).map_err(|reason| format!("WOOCOMMERCE_URL {reason}"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| format!("woocommerce: {e}"))?;
        Ok(Self {
            http,
            base: format!("{}/wp-json/wc/v3", config.url.trim_end_matches('/')),
            key: config.consumer_key.clone(),
            secret: config.consumer_secret.clone(),
            keys_in_query: AtomicBool::new(false),
            webhook_secret: config.webhook_secret.clone(),
        })
    }

    /// One request; a JSON answer or the storefront's refusal. Retries once with the keys in
    /// the query string when the server lost the `Authorization` header. No error text
    /// carries the request's URL or the keys (spec §17).
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<(Value, reqwest::header::HeaderMap), RemoteError> {
        self.send(method, path, query, body)
            .await
            .map_err(|e| self.scrubbed(e))
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<(Value, reqwest::header::HeaderMap), RemoteError> {
        loop {
            let in_query = self.keys_in_query.load(Ordering::Relaxed);
            let mut req = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .query(query);
            req = if in_query {
                req.query(&[
                    ("consumer_key", self.key.as_str()),
                    ("consumer_secret", self.secret.as_str()),
                ])
            } else {
                req.basic_auth(&self.key, Some(&self.secret))
            };
            if let Some(body) = body {
                req = req.json(body);
            }
            let res = req.send().await.map_err(no_answer)?;
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            let text = res.text().await.map_err(no_answer)?;
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if (200..300).contains(&status) {
                return Ok((value, headers));
            }
            if status == 401 && !in_query && wire::is_missing_key(&value) {
                tracing::warn!(
                    "woocommerce: the Authorization header does not reach the server; sending the keys in the query string"
                );
                self.keys_in_query.store(true, Ordering::Relaxed);
                continue;
            }
            return Err(wire::refusal(status, &value));
        }
    }

    async fn get_all(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<Value>, RemoteError> {
        let mut all = Vec::new();
        let mut page = 1_u32;
        loop {
            let mut q = query.to_vec();
            q.push(("per_page", "100".into()));
            q.push(("page", page.to_string()));
            let (value, headers) = self.call(Method::GET, path, &q, None).await?;
            all.extend(value.as_array().cloned().unwrap_or_default());
            let pages: u32 = headers
                .get("x-wp-totalpages")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            if page >= pages {
                return Ok(all);
            }
            page += 1;
        }
    }

    async fn variations_of(&self, product: &Value) -> Result<RemoteProduct, RemoteError> {
        let mut remote = wire::remote_product(product)?;
        if product["type"] == "variable" {
            let variations = self
                .get_all(&format!("/products/{}/variations", remote.id), &[])
                .await?;
            remote.variations = variations
                .iter()
                .map(wire::remote_variation)
                .collect::<Result<_, _>>()?;
        }
        Ok(remote)
    }

    /// Creates the variations `listing` has that `linked` does not name and updates the
    /// others, in batches; answers the product's variations.
    async fn save_variations(
        &self,
        product: i64,
        listing: &Listing,
        linked: &[(VariantId, i64)],
    ) -> Result<Vec<merx_sync::RemoteVariation>, RemoteError> {
        let mut out = Vec::new();
        let path = format!("/products/{product}/variations/batch");
        for chunk in listing.variations().chunks(BATCH_LIMIT) {
            let mut create = Vec::new();
            let mut update = Vec::new();
            for v in chunk {
                let body = wire::variation_body(v);
                match linked.iter().find(|(id, _)| *id == v.variant_id) {
                    Some((_, remote)) => update.push(with_id(body, *remote)),
                    None => create.push(body),
                }
            }
            let (answer, _) = self
                .call(
                    Method::POST,
                    &path,
                    &[],
                    Some(&json!({"create": create, "update": update})),
                )
                .await?;
            let mut retry = Vec::new();
            for (item, sent) in wire::batch_items(&answer, "create")
                .into_iter()
                .zip(&create)
                .chain(
                    wire::batch_items(&answer, "update")
                        .into_iter()
                        .zip(&update),
                )
            {
                match item {
                    Ok(v) => out.push(wire::remote_variation(&v)?),
                    // The variation's SKU is there already: update that one.
                    Err(RemoteError::DuplicateSku { existing }) => {
                        retry.push(with_id(sent.clone(), existing));
                    }
                    Err(e) => return Err(e),
                }
            }
            if !retry.is_empty() {
                let (answer, _) = self
                    .call(Method::POST, &path, &[], Some(&json!({"update": retry})))
                    .await?;
                for item in wire::batch_items(&answer, "update") {
                    out.push(wire::remote_variation(&item?)?);
                }
            }
        }
        Ok(out)
    }
}

impl WooCommerce {
    /// `e` with the keys blanked out of its text, whatever put them there (a server echoing
    /// them back included).
    fn scrubbed(&self, e: RemoteError) -> RemoteError {
        let scrub = |text: String| {
            [self.key.as_str(), self.secret.as_str()]
                .into_iter()
                .filter(|k| !k.is_empty())
                .fold(text, |text, k| text.replace(k, "[redacted]"))
        };
        match e {
            RemoteError::Refused(text) => RemoteError::Refused(scrub(text)),
            RemoteError::Unavailable(text) => RemoteError::Unavailable(scrub(text)),
            other => other,
        }
    }
}

/// A request that got no answer, told without its URL: the URL carries the keys when they
/// travel in the query string. Its causes (connection refused, timed out, ...) are kept.
fn no_answer(e: reqwest::Error) -> RemoteError {
    let e = e.without_url();
    let mut text = format!("woocommerce: {e}");
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    RemoteError::Unavailable(text)
}

fn with_id(mut body: Value, id: i64) -> Value {
    body["id"] = json!(id);
    body
}

#[async_trait]
impl Storefront for WooCommerce {
    async fn product(&self, id: i64) -> Result<Option<RemoteProduct>, RemoteError> {
        match self
            .call(Method::GET, &format!("/products/{id}"), &[], None)
            .await
        {
            Ok((value, _)) => Ok(Some(self.variations_of(&value).await?)),
            Err(RemoteError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn product_by_sku(&self, sku: &str) -> Result<Option<RemoteProduct>, RemoteError> {
        let (value, _) = self
            .call(Method::GET, "/products", &[("sku", sku.to_owned())], None)
            .await?;
        match value.as_array().and_then(|a| a.first()) {
            Some(found) => Ok(Some(self.variations_of(found).await?)),
            None => Ok(None),
        }
    }

    async fn save_product(
        &self,
        id: Option<i64>,
        listing: &Listing,
        variations: &[(VariantId, i64)],
    ) -> Result<RemoteProduct, RemoteError> {
        let body = wire::product_body(listing);
        let (value, _) = match id {
            Some(id) => {
                self.call(Method::PUT, &format!("/products/{id}"), &[], Some(&body))
                    .await?
            }
            None => {
                self.call(Method::POST, "/products", &[], Some(&body))
                    .await?
            }
        };
        let mut remote = wire::remote_product(&value)?;
        if !listing.variations().is_empty() {
            remote.variations = self.save_variations(remote.id, listing, variations).await?;
        }
        Ok(remote)
    }

    async fn save_products(
        &self,
        items: &[ProductSave],
    ) -> Result<Vec<Result<RemoteProduct, RemoteError>>, RemoteError> {
        if items.len() > BATCH_LIMIT {
            return Err(RemoteError::Refused(format!(
                "a batch takes at most {BATCH_LIMIT} objects, not {}",
                items.len()
            )));
        }
        let (mut create, mut update) = (Vec::new(), Vec::new());
        for item in items {
            let body = wire::product_body(&item.listing);
            match &item.remote_id {
                Some(id) => update.push(with_id(body, *id)),
                None => create.push(body),
            }
        }
        let (answer, _) = self
            .call(
                Method::POST,
                "/products/batch",
                &[],
                Some(&json!({"create": create, "update": update})),
            )
            .await?;
        let mut created = wire::batch_items(&answer, "create").into_iter();
        let mut updated = wire::batch_items(&answer, "update").into_iter();
        let mut out = Vec::with_capacity(items.len());
        for ProductSave {
            remote_id,
            listing,
            variations: linked,
        } in items
        {
            let item = if remote_id.is_some() {
                updated.next()
            } else {
                created.next()
            }
            .unwrap_or_else(|| Err(RemoteError::Refused("missing from the batch answer".into())));
            let saved = match item.and_then(|v| wire::remote_product(&v)) {
                Ok(mut remote) if !listing.variations().is_empty() => {
                    match self.save_variations(remote.id, listing, linked).await {
                        Ok(variations) => {
                            remote.variations = variations;
                            Ok(remote)
                        }
                        Err(e) => Err(e),
                    }
                }
                other => other,
            };
            out.push(saved);
        }
        Ok(out)
    }

    async fn set_stock(
        &self,
        product: i64,
        variation: Option<i64>,
        quantity: i64,
    ) -> Result<(), RemoteError> {
        let path = match variation {
            Some(v) => format!("/products/{product}/variations/{v}"),
            None => format!("/products/{product}"),
        };
        self.call(
            Method::PUT,
            &path,
            &[],
            Some(&json!({"manage_stock": true, "stock_quantity": quantity})),
        )
        .await?;
        Ok(())
    }

    async fn order_by_merx_id(
        &self,
        merx_order_id: &str,
        number: &str,
    ) -> Result<Option<RemoteOrder>, RemoteError> {
        let found = self
            .get_all("/orders", &[("search", number.to_owned())])
            .await?;
        found
            .iter()
            .find(|o| wire::meta(o, wire::ORDER_META) == Some(merx_order_id))
            .map(wire::remote_order)
            .transpose()
    }

    async fn create_order(&self, order: &OrderListing) -> Result<RemoteOrder, RemoteError> {
        let (value, _) = self
            .call(Method::POST, "/orders", &[], Some(&wire::order_body(order)))
            .await?;
        wire::remote_order(&value)
    }

    async fn verify_webhook<'a>(
        &self,
        signature: Option<&'a str>,
        topic: Option<&'a str>,
        body: &'a [u8],
    ) -> Result<StorefrontEvent, WebhookRejection> {
        crate::webhook::verify(self.webhook_secret.as_deref(), signature, topic, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_storefront_verifies_webhooks_with_its_configured_secret() {
        let config = |webhook_secret: Option<&str>| WooConfig {
            url: "https://shop.example".into(),
            consumer_key: "ck".into(),
            consumer_secret: "cs".into(),
            webhook_secret: webhook_secret.map(Into::into),
        };
        let body = br#"{"id": 799, "sku": "TEE", "stock_quantity": 4}"#;
        let signature = crate::sign("wh-secret", body);
        let signed = WooCommerce::new(&config(Some("wh-secret"))).expect("client");
        assert!(matches!(
            signed
                .verify_webhook(Some(&signature), Some("product.updated"), body)
                .await,
            Ok(StorefrontEvent::ProductUpdated(p)) if p.id == 799
        ));
        let unsigned = WooCommerce::new(&config(None)).expect("client");
        assert_eq!(
            unsigned
                .verify_webhook(Some(&signature), Some("product.updated"), body)
                .await,
            Err(WebhookRejection::BadSignature),
            "no secret, nothing verifies"
        );
        assert_eq!(
            unsigned.verify_webhook(None, None, b"webhook_id=3").await,
            Ok(StorefrontEvent::Ping)
        );
    }

    #[tokio::test]
    async fn a_failed_request_with_the_keys_in_the_query_string_tells_neither_key() {
        // A port nothing listens on.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        let woo = WooCommerce::new(&WooConfig {
            url: format!("http://127.0.0.1:{port}"),
            consumer_key: "ck_live_key_123".into(),
            consumer_secret: "cs_live_secret_456".into(),
            webhook_secret: None,
        })
        .expect("client");
        woo.keys_in_query.store(true, Ordering::Relaxed);
        let Err(RemoteError::Unavailable(text)) = woo.product(7).await else {
            panic!("a closed port is unavailable");
        };
        assert!(text.contains("error sending request"), "{text}");
        for credential in ["ck_live_key_123", "cs_live_secret_456", "consumer_"] {
            assert!(!text.contains(credential), "{credential} in {text}");
        }
    }

    #[test]
    fn refusals_never_repeat_the_keys() {
        let woo = WooCommerce::new(&WooConfig {
            url: "https://shop.example".into(),
            consumer_key: "ck_live_key_123".into(),
            consumer_secret: "cs_live_secret_456".into(),
            webhook_secret: None,
        })
        .expect("client");
        let echoed = RemoteError::Refused("401 bad: cs_live_secret_456 for ck_live_key_123".into());
        assert_eq!(
            woo.scrubbed(echoed),
            RemoteError::Refused("401 bad: [redacted] for [redacted]".into())
        );
    }

    #[test]
    fn a_plain_http_site_off_this_machine_is_refused() {
        let config = |url: &str| WooConfig {
            url: url.into(),
            consumer_key: "ck".into(),
            consumer_secret: "cs".into(),
            webhook_secret: None,
        };
        assert!(WooCommerce::new(&config("http://shop.example")).is_err());
        assert!(WooCommerce::new(&config("http://localhost:8080")).is_ok());
    }
}
