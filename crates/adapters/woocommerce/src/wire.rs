//! WooCommerce's JSON (providers.md §3): what Merx writes and what it reads back. Money
//! leaves as decimal strings in the currency's exponent; ids and stock are integers.

use merx_kernel::{Money, PostalAddress};
use merx_sync::{
    Listing, ListingKind, ListingType, OrderListing, Prices, RemoteError, RemoteOrder,
    RemoteProduct, RemoteVariation, VariationListing,
};
use serde_json::{Value, json};

/// The metadata keys that name our objects at WooCommerce.
pub(crate) const PRODUCT_META: &str = "merx_product_id";
pub(crate) const VARIANT_META: &str = "merx_variant_id";
pub(crate) const ORDER_META: &str = "merx_order_id";

fn prices(body: &mut Value, p: &Prices) {
    body["regular_price"] = json!(p.regular.decimal());
    body["sale_price"] = json!(p.sale.map(|s| s.decimal()).unwrap_or_default());
}

fn stock(body: &mut Value, stock: Option<i64>) {
    match stock {
        Some(q) => {
            body["manage_stock"] = json!(true);
            body["stock_quantity"] = json!(q);
        }
        None => body["manage_stock"] = json!(false),
    }
}

/// Grams as WooCommerce's default weight unit, kilograms, exactly.
fn kilograms(grams: i64) -> String {
    Money::new(grams, merx_kernel::Currency::Jod).decimal()
}

pub(crate) fn product_body(l: &Listing) -> Value {
    let mut body = json!({
        "name": l.name,
        "slug": l.slug,
        "status": l.status.as_str(),
        "sku": l.sku,
        "description": l.description,
        "short_description": l.short_description,
        "meta_data": [{"key": PRODUCT_META, "value": l.product_id.to_string()}],
    });
    match &l.kind {
        ListingKind::Simple {
            prices: p,
            stock: s,
            weight_grams,
            attributes,
            ..
        } => {
            body["type"] = json!("simple");
            // The one variant's options: shown on the product, not variation attributes.
            body["attributes"] = attributes
                .iter()
                .enumerate()
                .map(|(at, (name, value))| {
                    json!({"name": name, "options": [value], "variation": false,
                           "visible": true, "position": at})
                })
                .collect();
            prices(&mut body, p);
            if l.manage_stock.is_some() {
                stock(&mut body, *s);
            }
            if *weight_grams > 0 {
                body["weight"] = json!(kilograms(*weight_grams));
            }
        }
        ListingKind::Variable { attributes, .. } => {
            body["type"] = json!("variable");
            body["attributes"] = attributes
                .iter()
                .enumerate()
                .map(|(at, (name, options))| {
                    json!({"name": name, "options": options, "variation": true,
                           "visible": true, "position": at})
                })
                .collect();
            if l.manage_stock.is_some() {
                // Stock lives on each variation.
                body["manage_stock"] = json!(false);
            }
        }
    }
    if let Some(images) = &l.images {
        body["images"] = images
            .iter()
            .map(|i| json!({"src": i.src, "alt": i.alt}))
            .collect();
    }
    if let Some(tags) = &l.tags {
        body["tags"] = tags.iter().map(|t| json!({"name": t})).collect();
    }
    body
}

pub(crate) fn variation_body(v: &VariationListing) -> Value {
    let mut body = json!({
        "sku": v.sku,
        "attributes": v.attributes.iter()
            .map(|(name, option)| json!({"name": name, "option": option}))
            .collect::<Vec<_>>(),
        "meta_data": [{"key": VARIANT_META, "value": v.variant_id.to_string()}],
    });
    prices(&mut body, &v.prices);
    stock(&mut body, v.stock);
    if v.weight_grams > 0 {
        body["weight"] = json!(kilograms(v.weight_grams));
    }
    body
}

fn id_of(v: &Value) -> Result<i64, RemoteError> {
    v["id"]
        .as_i64()
        .ok_or_else(|| RemoteError::Refused(format!("an answer without an id: {v}")))
}

pub(crate) fn remote_variation(v: &Value) -> Result<RemoteVariation, RemoteError> {
    Ok(RemoteVariation {
        id: id_of(v)?,
        sku: v["sku"].as_str().unwrap_or_default().to_owned(),
        stock_quantity: managed_stock(v),
    })
}

fn managed_stock(v: &Value) -> Option<i64> {
    if v["manage_stock"] == json!(true) {
        v["stock_quantity"].as_i64()
    } else {
        None
    }
}

pub(crate) fn remote_product(v: &Value) -> Result<RemoteProduct, RemoteError> {
    Ok(RemoteProduct {
        id: id_of(v)?,
        sku: v["sku"].as_str().unwrap_or_default().to_owned(),
        listing_type: if v["type"] == "variable" {
            ListingType::Variable
        } else {
            ListingType::Simple
        },
        stock_quantity: managed_stock(v),
        variations: Vec::new(),
    })
}

/// Each element of a batch answer's `section`: the object, or its own error.
pub(crate) fn batch_items(answer: &Value, section: &str) -> Vec<Result<Value, RemoteError>> {
    answer[section]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| match item.get("error") {
                    Some(error) => Err(refusal(
                        error["data"]["status"]
                            .as_u64()
                            .and_then(|s| u16::try_from(s).ok())
                            .unwrap_or(400),
                        error,
                    )),
                    None => Ok(item.clone()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// WooCommerce's `{code, message, data: {status}}` as our refusal.
pub(crate) fn refusal(status: u16, body: &Value) -> RemoteError {
    let code = body["code"].as_str().unwrap_or_default();
    let message = body["message"].as_str().unwrap_or_default();
    if code == "product_invalid_sku"
        && let Some(existing) = body["data"]["resource_id"].as_i64()
    {
        return RemoteError::DuplicateSku { existing };
    }
    match status {
        404 => RemoteError::NotFound,
        s if s >= 500 || s == 429 || s == 408 => {
            RemoteError::Unavailable(format!("{s} {code}: {message}"))
        }
        s => RemoteError::Refused(format!("{s} {code}: {message}")),
    }
}

/// The 401 of a server that never saw the `Authorization` header.
pub(crate) fn is_missing_key(body: &Value) -> bool {
    body["message"]
        .as_str()
        .is_some_and(|m| m.to_ascii_lowercase().contains("consumer key is missing"))
}

pub(crate) fn meta<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object["meta_data"]
        .as_array()?
        .iter()
        .find(|m| m["key"] == key)
        .and_then(|m| m["value"].as_str())
}

pub(crate) fn remote_order(v: &Value) -> Result<RemoteOrder, RemoteError> {
    let id = id_of(v)?;
    Ok(RemoteOrder {
        id,
        number: v["number"]
            .as_str()
            .map_or_else(|| id.to_string(), str::to_owned),
        status: v["status"].as_str().unwrap_or_default().to_owned(),
        total: v["total"].as_str().unwrap_or_default().to_owned(),
        currency: v["currency"].as_str().unwrap_or_default().to_owned(),
        created_at: v["date_created_gmt"]
            .as_str()
            .or_else(|| v["date_created"].as_str())
            .map(str::to_owned),
    })
}

fn address(a: &PostalAddress, email: Option<&str>) -> Value {
    let (first, last) = a.name.split_once(' ').unwrap_or((a.name.as_str(), ""));
    let mut body = json!({
        "first_name": first,
        "last_name": last,
        "address_1": a.line1,
        "address_2": a.line2.clone().unwrap_or_default(),
        "city": a.city,
        "state": a.state.clone().unwrap_or_default(),
        "postcode": a.postal_code,
        "country": a.country,
    });
    if let Some(email) = email {
        body["email"] = json!(email);
        body["phone"] = json!(a.phone.clone().unwrap_or_default());
    }
    body
}

pub(crate) fn order_body(o: &OrderListing) -> Value {
    json!({
        // Merx took the stock already: marking it paid would make WooCommerce take it again.
        "set_paid": false,
        "status": o.status,
        "currency": o.currency.code(),
        "billing": address(&o.billing, Some(&o.email)),
        "shipping": address(&o.shipping, None),
        "payment_method": o.payment_method,
        "payment_method_title": o.payment_method,
        "transaction_id": o.transaction_id.clone().unwrap_or_default(),
        "customer_note": o.customer_note.clone().unwrap_or_default(),
        "line_items": o.lines.iter().map(|l| {
            let mut line = json!({
                "product_id": l.product,
                "quantity": l.quantity,
                "subtotal": l.subtotal.decimal(),
                "total": l.total.decimal(),
            });
            if let Some(v) = l.variation {
                line["variation_id"] = json!(v);
            }
            line
        }).collect::<Vec<_>>(),
        "shipping_lines": [{
            "method_id": o.shipping_method,
            "method_title": o.shipping_method,
            "total": o.shipping_total.decimal(),
        }],
        // WooCommerce computes its total from the lines: tax as a fee keeps it ours.
        "fee_lines": if o.tax_total.amount() == 0 { json!([]) } else {
            json!([{"name": "Tax", "total": o.tax_total.decimal(), "tax_status": "none"}])
        },
        "meta_data": [
            {"key": ORDER_META, "value": o.merx_order_id},
            {"key": "merx_order_number", "value": o.number},
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_sku_names_the_product_to_update_and_statuses_sort_retryable() {
        let dup = json!({"code": "product_invalid_sku", "message": "Invalid or duplicated SKU.",
                         "data": {"status": 400, "resource_id": 799, "unique_sku": "TEE-1"}});
        assert_eq!(
            refusal(400, &dup),
            RemoteError::DuplicateSku { existing: 799 }
        );
        let missing = json!({"code": "woocommerce_rest_term_invalid",
                             "message": "Resource doesn't exist.", "data": {"status": 404}});
        assert_eq!(refusal(404, &missing), RemoteError::NotFound);
        assert!(matches!(
            refusal(503, &Value::Null),
            RemoteError::Unavailable(_)
        ));
        assert!(matches!(
            refusal(401, &json!({"code": "woocommerce_rest_cannot_view"})),
            RemoteError::Refused(_)
        ));
    }

    #[test]
    fn batch_items_carry_their_own_errors() {
        let answer = json!({"create": [
            {"id": 10, "sku": "A"},
            {"id": 0, "error": {"code": "product_invalid_sku", "message": "dup",
                                "data": {"status": 400, "resource_id": 7}}},
        ]});
        let items = batch_items(&answer, "create");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].as_ref().unwrap()["id"], 10);
        assert_eq!(
            items[1].as_ref().unwrap_err(),
            &RemoteError::DuplicateSku { existing: 7 }
        );
        assert!(batch_items(&answer, "update").is_empty());
    }

    #[test]
    fn weights_are_kilograms_exactly() {
        assert_eq!(kilograms(250), "0.250");
        assert_eq!(kilograms(1_500), "1.500");
    }
}
