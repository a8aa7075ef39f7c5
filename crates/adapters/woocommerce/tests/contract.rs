//! The WooCommerce adapter against the fake of providers.md §3: decimal-string money,
//! lookups by SKU, duplicate SKUs, variations (refused on a simple product, which becomes
//! variable in place), batches and their per-item errors, the query-string fallback when the
//! `Authorization` header is stripped, and orders found again by our id.

use merx_fakes::woocommerce::{CONSUMER_KEY, CONSUMER_SECRET, FakeWooCommerce};
use merx_kernel::{Currency, Money, PostalAddress, ProductId, VariantId};
use merx_sync::{
    Listing, ListingKind, ListingStatus, ListingType, OrderLine, OrderListing, Prices, ProductSave,
    RemoteError, Storefront, VariationListing,
};
use merx_woocommerce::{WooCommerce, WooConfig};

fn store(fake: &FakeWooCommerce) -> WooCommerce {
    WooCommerce::new(&WooConfig {
        url: fake.url(),
        consumer_key: CONSUMER_KEY.into(),
        consumer_secret: CONSUMER_SECRET.into(),
        webhook_secret: None,
    })
    .expect("client")
}

fn simple(sku: &str, price: i64, currency: Currency, stock: Option<i64>) -> Listing {
    Listing {
        product_id: ProductId::new(),
        name: format!("Product {sku}"),
        slug: sku.to_lowercase(),
        sku: sku.into(),
        description: String::new(),
        short_description: String::new(),
        status: ListingStatus::Publish,
        kind: ListingKind::Simple {
            variant_id: VariantId::new(),
            prices: Prices {
                regular: Money::new(price, currency),
                sale: None,
            },
            stock,
            weight_grams: 0,
            attributes: Vec::new(),
        },
        images: None,
        tags: None,
        manage_stock: Some(stock.is_some()),
    }
}

fn save(listing: Listing) -> ProductSave {
    ProductSave {
        remote_id: None,
        listing,
        variations: Vec::new(),
    }
}

fn variable(slug: &str, sizes: &[&str]) -> Listing {
    let variations = sizes
        .iter()
        .map(|s| VariationListing {
            variant_id: VariantId::new(),
            sku: format!("{}-{s}", slug.to_uppercase()),
            prices: Prices {
                regular: Money::new(2_500, Currency::Usd),
                sale: Some(Money::new(1_999, Currency::Usd)),
            },
            stock: Some(3),
            attributes: vec![("Size".into(), (*s).into())],
            weight_grams: 200,
        })
        .collect();
    Listing {
        kind: ListingKind::Variable {
            attributes: vec![(
                "Size".into(),
                sizes.iter().map(|s| (*s).to_owned()).collect(),
            )],
            variations,
        },
        sku: slug.into(),
        slug: slug.into(),
        ..simple("unused", 0, Currency::Usd, None)
    }
}

#[tokio::test]
async fn simple_products_are_created_found_by_sku_updated_and_refused_twice() {
    let fake = FakeWooCommerce::start().await;
    let woo = store(&fake);
    let listing = simple("TEE-1", 34_498, Currency::Usd, Some(7));
    let created = woo
        .save_product(None, &listing, &[])
        .await
        .expect("created");
    let stored = fake.product(created.id).expect("stored");
    assert_eq!(stored["regular_price"], "344.98", "decimal string");
    assert_eq!(stored["sale_price"], "");
    assert_eq!(
        (
            stored["manage_stock"].clone(),
            stored["stock_quantity"].clone()
        ),
        (true.into(), 7.into())
    );
    assert_eq!(stored["meta_data"][0]["key"], "merx_product_id");

    let found = woo
        .product_by_sku("TEE-1")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!((found.id, found.stock_quantity), (created.id, Some(7)));
    assert_eq!(woo.product_by_sku("NOPE").await.expect("lookup"), None);

    // A second create of the SKU names the product to update instead.
    assert_eq!(
        woo.save_product(None, &listing, &[]).await,
        Err(RemoteError::DuplicateSku {
            existing: created.id
        })
    );
    let won = simple("TEE-1", 28_000, Currency::Krw, Some(2));
    woo.save_product(Some(created.id), &won, &[])
        .await
        .expect("updated");
    assert_eq!(fake.product(created.id).unwrap()["regular_price"], "28000");
    assert_eq!(fake.products().len(), 1);
    assert_eq!(woo.product(9_999).await.expect("read"), None);
}

#[tokio::test]
async fn a_variable_product_has_one_variation_per_variant_and_its_stock_is_set() {
    let fake = FakeWooCommerce::start().await;
    let woo = store(&fake);
    let listing = variable("hoodie", &["S", "M", "L"]);
    let saved = woo.save_product(None, &listing, &[]).await.expect("saved");
    assert_eq!(fake.product(saved.id).unwrap()["type"], "variable");
    assert_eq!(saved.variations.len(), 3);
    let variations = fake.variations(saved.id);
    assert_eq!(variations[0]["regular_price"], "25.00");
    assert_eq!(variations[0]["sale_price"], "19.99");
    assert_eq!(variations[0]["weight"], "0.200");
    // Saved again with the links: updated, not created a second time.
    let links: Vec<(VariantId, i64)> = listing
        .variations()
        .iter()
        .zip(&saved.variations)
        .map(|(v, r)| (v.variant_id, r.id))
        .collect();
    woo.save_product(Some(saved.id), &listing, &links)
        .await
        .expect("again");
    assert_eq!(fake.variations(saved.id).len(), 3);
    let m = saved.variations[1].id;
    woo.set_stock(saved.id, Some(m), 11).await.expect("stock");
    let read = woo.product(saved.id).await.expect("read").expect("there");
    let stock: Vec<Option<i64>> = read.variations.iter().map(|v| v.stock_quantity).collect();
    assert_eq!(stock, [Some(3), Some(11), Some(3)]);
}

#[tokio::test]
async fn a_simple_product_takes_no_variations_until_it_is_saved_as_variable_in_place() {
    let fake = FakeWooCommerce::start().await;
    let woo = store(&fake);
    let pot = woo
        .save_product(None, &simple("POT", 1_000, Currency::Usd, Some(2)), &[])
        .await
        .expect("created");
    assert_eq!(pot.listing_type, ListingType::Simple);
    // WooCommerce refuses variations of a simple product, each item with its own error.
    let res = reqwest::Client::new()
        .post(format!(
            "{}/wp-json/wc/v3/products/{}/variations/batch",
            fake.url(),
            pot.id
        ))
        .basic_auth(CONSUMER_KEY, Some(CONSUMER_SECRET))
        .json(&serde_json::json!({"create": [{"sku": "POT-S", "regular_price": "1.00"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let answer: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        answer["create"][0]["error"]["code"],
        "woocommerce_rest_product_variation_invalid_id"
    );
    assert!(fake.variations(pot.id).is_empty());
    // Saved as variable over it: the same product, variable now, its variations made.
    let saved = woo
        .save_product(Some(pot.id), &variable("pot", &["S", "M"]), &[])
        .await
        .expect("saved in place");
    assert_eq!((saved.id, saved.variations.len()), (pot.id, 2));
    let read = woo.product(pot.id).await.unwrap().expect("there");
    assert_eq!(read.listing_type, ListingType::Variable);
    assert_eq!(fake.products().len(), 1);
}

#[tokio::test]
async fn batches_answer_each_item_and_the_fake_refuses_more_than_100() {
    let fake = FakeWooCommerce::start().await;
    let woo = store(&fake);
    let taken = woo
        .save_product(None, &simple("TAKEN", 100, Currency::Usd, None), &[])
        .await
        .expect("first");
    let items: Vec<_> = ["A", "TAKEN", "B"]
        .iter()
        .map(|sku| save(simple(sku, 1_000, Currency::Usd, Some(1))))
        .collect();
    let answers = woo.save_products(&items).await.expect("one batch call");
    assert!(answers[0].is_ok() && answers[2].is_ok());
    assert_eq!(
        answers[1],
        Err(RemoteError::DuplicateSku { existing: taken.id })
    );
    let too_many: Vec<_> = (0..101)
        .map(|i| save(simple(&format!("S{i}"), 1, Currency::Usd, None)))
        .collect();
    assert!(matches!(
        woo.save_products(&too_many).await,
        Err(RemoteError::Refused(_))
    ));
    // The fake itself answers WooCommerce's 413, and refuses per_page over 100.
    let http = reqwest::Client::new();
    let body = serde_json::json!({"create": (0..101).map(|i| serde_json::json!({"sku": format!("X{i}")})).collect::<Vec<_>>()});
    let res = http
        .post(format!("{}/wp-json/wc/v3/products/batch", fake.url()))
        .basic_auth(CONSUMER_KEY, Some(CONSUMER_SECRET))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let res = http
        .get(format!(
            "{}/wp-json/wc/v3/products?per_page=101",
            fake.url()
        ))
        .basic_auth(CONSUMER_KEY, Some(CONSUMER_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let wrong = http
        .get(format!("{}/wp-json/wc/v3/products", fake.url()))
        .basic_auth(CONSUMER_KEY, Some("cs_wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
}

#[tokio::test]
async fn keys_move_to_the_query_string_when_the_header_is_stripped() {
    let fake = FakeWooCommerce::start().await;
    fake.strip_authorization();
    let woo = store(&fake);
    woo.save_product(None, &simple("Q-1", 500, Currency::Usd, None), &[])
        .await
        .expect("saved through the query-string keys");
    assert_eq!(fake.products().len(), 1);
}

#[tokio::test]
async fn an_order_is_created_unpaid_with_its_status_and_found_again_by_our_id() {
    let fake = FakeWooCommerce::start().await;
    let woo = store(&fake);
    let product = woo
        .save_product(None, &simple("ORD-1", 17_249, Currency::Usd, Some(5)), &[])
        .await
        .unwrap();
    let address = PostalAddress {
        name: "Ada Lovelace".into(),
        phone: None,
        line1: "1 Market St".into(),
        line2: None,
        city: "San Francisco".into(),
        state: Some("CA".into()),
        postal_code: "94105".into(),
        country: "US".into(),
    };
    let merx_id = uuid::Uuid::now_v7().to_string();
    let order = OrderListing {
        merx_order_id: merx_id.clone(),
        number: "MRX-2026-000042".into(),
        status: "processing",
        currency: Currency::Usd,
        email: "ada@example.test".into(),
        billing: address.clone(),
        shipping: address,
        payment_method: "stripe".into(),
        transaction_id: Some("pi_1".into()),
        lines: vec![OrderLine {
            product: product.id,
            variation: None,
            quantity: 2,
            subtotal: Money::new(34_498, Currency::Usd),
            total: Money::new(34_498, Currency::Usd),
        }],
        shipping_method: "standard".into(),
        shipping_total: Money::new(0, Currency::Usd),
        tax_total: Money::new(0, Currency::Usd),
        customer_note: None,
    };
    assert_eq!(
        woo.order_by_merx_id(&merx_id, "MRX-2026-000042")
            .await
            .unwrap(),
        None
    );
    let created = woo.create_order(&order).await.expect("created");
    assert_eq!(
        (created.status.as_str(), created.total.as_str()),
        ("processing", "344.98")
    );
    let stored = &fake.orders()[0];
    assert_eq!(
        stored["set_paid"], false,
        "WooCommerce must not take stock again"
    );
    assert_eq!(stored["billing"]["first_name"], "Ada");
    assert_eq!(stored["line_items"][0]["total"], "344.98");
    let again = woo
        .order_by_merx_id(&merx_id, "MRX-2026-000042")
        .await
        .unwrap()
        .expect("found by our id");
    assert_eq!(again.id, created.id);
    assert_eq!(
        woo.order_by_merx_id("other", "MRX-2026-000042")
            .await
            .unwrap(),
        None
    );
}
