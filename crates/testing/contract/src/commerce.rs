//! Contracts of the cart and pricing ports.

use std::any::Any;
use std::sync::Arc;

use chrono::{Duration, DurationRound, Utc};
use merx_cart::{AddOutcome, Cart, CartId, CartItem, CartItemId, CartOwner, CartRepository, Touch};
use merx_kernel::{Currency, PageRequest, ProductId, Timestamp, VariantId};
use merx_pricing::{
    Discount, DiscountId, DiscountRepository, DiscountValue, MethodRate, PricingError, Rate,
    ShippingMethod, ShippingZone, ShippingZoneId, ShippingZoneRepository, TaxRate, TaxRateId,
    TaxRateRepository,
};

/// The cart and pricing ports of one store.
pub struct CommerceRepos {
    pub carts: Arc<dyn CartRepository>,
    pub taxes: Arc<dyn TaxRateRepository>,
    pub zones: Arc<dyn ShippingZoneRepository>,
    pub discounts: Arc<dyn DiscountRepository>,
    pub guard: Box<dyn Any + Send + Sync>,
}

fn now() -> Timestamp {
    Utc::now()
        .duration_trunc(Duration::microseconds(1))
        .unwrap_or_else(|_| Utc::now())
}

pub(crate) fn guest_cart(session: &str, at: Timestamp) -> Cart {
    Cart {
        id: CartId::new(),
        owner: CartOwner::Guest(session.into()),
        currency: Currency::Krw,
        items: Vec::new(),
        discount_code: None,
        created_at: at,
        updated_at: at,
        expires_at: Touch::at(at).expires_at,
    }
}

pub(crate) fn line(variant: VariantId, quantity: i64, at: Timestamp) -> CartItem {
    let mut metadata = serde_json::Map::new();
    metadata.insert("source".into(), "3d_experience".into());
    CartItem {
        id: CartItemId::new(),
        product_id: ProductId::new(),
        variant_id: variant,
        quantity,
        metadata,
        added_at: at,
    }
}

pub async fn carts_keep_lines_and_the_newest_unexpired_cart_is_current(r: &CommerceRepos) {
    let at = now();
    let old = guest_cart("sess-contract-1", at - Duration::days(40));
    let mut expired = old.clone();
    expired.expires_at = at - Duration::days(10);
    r.carts.insert(&expired).await.expect("insert");
    let owner = CartOwner::Guest("sess-contract-1".into());
    assert_eq!(
        r.carts
            .find_current(&owner, Touch::at(at))
            .await
            .expect("find"),
        None
    );

    let cart = guest_cart("sess-contract-1", at);
    r.carts.insert(&cart).await.expect("insert");
    let variant = VariantId::new();
    let added = r
        .carts
        .add_item(
            cart.id,
            &line(variant, 2, at),
            99,
            Touch::at(at + Duration::seconds(1)),
        )
        .await
        .expect("add");
    let AddOutcome::Added(after) = added else {
        panic!("expected Added, got {added:?}");
    };
    assert_eq!(after.items.len(), 1);
    assert_eq!(after.items[0].quantity, 2);
    assert_eq!(after.items[0].metadata["source"], "3d_experience");
    assert_eq!(after.updated_at, at + Duration::seconds(1));
    let current = r
        .carts
        .find_current(&owner, Touch::at(at))
        .await
        .expect("find")
        .expect("current");
    assert_eq!(current, after);
    assert_eq!(r.carts.find(cart.id).await.expect("find"), Some(after));
    let other = CartOwner::Guest("sess-contract-2".into());
    assert_eq!(
        r.carts
            .find_current(&other, Touch::at(at))
            .await
            .expect("find"),
        None
    );
    assert!(
        r.carts
            .references_product(current.items[0].product_id)
            .await
            .expect("refs")
    );
    assert!(
        !r.carts
            .references_product(ProductId::new())
            .await
            .expect("refs")
    );
    assert_eq!(r.carts.delete_expired(at).await.expect("sweep"), 1);
    assert_eq!(r.carts.find(expired.id).await.expect("find"), None);
}

pub async fn concurrent_adds_to_one_line_lose_nothing_and_respect_the_maximum(r: &CommerceRepos) {
    let at = now();
    let cart = guest_cart("sess-contract-race", at);
    r.carts.insert(&cart).await.expect("insert");
    let variant = VariantId::new();
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let carts = r.carts.clone();
            let item = line(variant, 1, at);
            tokio::spawn(async move { carts.add_item(cart.id, &item, 15, Touch::at(at)).await })
        })
        .collect();
    let mut added = 0;
    let mut refused = 0;
    for a in attempts {
        match a.await.expect("joined").expect("stored") {
            AddOutcome::Added(_) => added += 1,
            AddOutcome::TooMany { current } => {
                assert_eq!(current, 15);
                refused += 1;
            }
            AddOutcome::NoCart => panic!("the cart exists"),
        }
    }
    assert_eq!((added, refused), (15, 5));
    let stored = r.carts.find(cart.id).await.expect("find").expect("cart");
    assert_eq!(stored.items.len(), 1, "one line per variant");
    assert_eq!(stored.items[0].quantity, 15);
    assert_eq!(
        r.carts
            .add_item(CartId::new(), &line(variant, 1, at), 99, Touch::at(at))
            .await
            .expect("add"),
        AddOutcome::NoCart
    );
}

pub async fn concurrent_first_adds_share_one_current_cart(r: &CommerceRepos) {
    let at = now();
    let tries: Vec<_> = (0..10)
        .map(|_| {
            let carts = r.carts.clone();
            let new = guest_cart("sess-contract-first", at);
            tokio::spawn(async move { carts.find_or_insert_current(&new, Touch::at(at)).await })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tries {
        ids.push(t.await.expect("joined").expect("stored").id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every caller got the same cart");
}

pub async fn lines_are_set_removed_cleared_merged_and_carts_reassigned(r: &CommerceRepos) {
    let at = now();
    let t = Touch::at(at);
    let cart = guest_cart("sess-contract-lines", at);
    r.carts.insert(&cart).await.expect("insert");
    let (v1, v2) = (VariantId::new(), VariantId::new());
    r.carts
        .add_item(cart.id, &line(v1, 1, at), 99, t)
        .await
        .expect("add");
    let AddOutcome::Added(c) = r
        .carts
        .add_item(cart.id, &line(v2, 3, at), 99, t)
        .await
        .expect("add")
    else {
        panic!("added");
    };
    let first = c.items[0].id;
    let c = r
        .carts
        .set_quantity(cart.id, first, 7, t)
        .await
        .expect("set")
        .expect("cart");
    assert_eq!(c.items[0].quantity, 7);
    assert_eq!(
        r.carts
            .set_quantity(cart.id, CartItemId::new(), 2, t)
            .await
            .expect("set"),
        None
    );
    let c = r
        .carts
        .set_discount(cart.id, Some("SAVE20".into()), t)
        .await
        .expect("discount")
        .expect("cart");
    assert_eq!(c.discount_code.as_deref(), Some("SAVE20"));
    let c = r
        .carts
        .remove_item(cart.id, first, t)
        .await
        .expect("remove")
        .expect("cart");
    assert_eq!(c.items.len(), 1);
    assert_eq!(
        r.carts
            .remove_item(cart.id, first, t)
            .await
            .expect("remove"),
        None
    );

    // Merge: the guest cart's lines land in the target with the quantities given.
    let target = guest_cart("sess-contract-target", at);
    r.carts.insert(&target).await.expect("insert");
    r.carts
        .add_item(target.id, &line(v2, 1, at), 99, t)
        .await
        .expect("add");
    let merged_lines = vec![line(v2, 4, at), line(v1, 2, at)];
    let merged = r
        .carts
        .merge(cart.id, target.id, &merged_lines, t)
        .await
        .expect("merge")
        .expect("target");
    let mut quantities: Vec<(VariantId, i64)> = merged
        .items
        .iter()
        .map(|i| (i.variant_id, i.quantity))
        .collect();
    quantities.sort();
    let mut expected = vec![(v2, 4), (v1, 2)];
    expected.sort();
    assert_eq!(quantities, expected);
    assert_eq!(
        r.carts.find(cart.id).await.expect("find"),
        None,
        "the guest cart is gone"
    );

    let cleared = r
        .carts
        .clear(target.id, t)
        .await
        .expect("clear")
        .expect("cart");
    assert!(cleared.items.is_empty() && cleared.discount_code.is_none());
    let moved = r
        .carts
        .reassign(target.id, &CartOwner::Guest("sess-contract-new".into()), t)
        .await
        .expect("reassign")
        .expect("cart");
    assert_eq!(moved.owner, CartOwner::Guest("sess-contract-new".into()));
    assert_eq!(r.carts.clear(CartId::new(), t).await.expect("clear"), None);
}

fn tax(country: &str, state: Option<&str>, rate: &str) -> TaxRate {
    let at = now();
    TaxRate {
        id: TaxRateId::new(),
        country: country.into(),
        state: state.map(Into::into),
        name: format!("{country} tax"),
        rate: rate.parse().expect("rate"),
        tax_shipping: true,
        business_exemption: false,
        created_at: at,
        updated_at: at,
    }
}

pub async fn tax_rates_are_unique_per_zone_and_defaults_are_claimed_once(r: &CommerceRepos) {
    let ca = tax("US", Some("CA"), "7.25");
    r.taxes.insert(&ca).await.expect("insert");
    r.taxes
        .insert(&tax("US", None, "0"))
        .await
        .expect("country-wide is another zone");
    assert_eq!(
        r.taxes.insert(&tax("US", Some("CA"), "8")).await,
        Err(PricingError::TaxRateTaken)
    );
    assert_eq!(
        r.taxes.insert(&tax("US", None, "1")).await,
        Err(PricingError::TaxRateTaken)
    );
    let mut changed = ca.clone();
    changed.rate = "8.875".parse().expect("rate");
    assert_eq!(r.taxes.update(&changed).await, Ok(true));
    assert_eq!(r.taxes.find(ca.id).await.expect("find"), Some(changed));
    assert_eq!(r.taxes.update(&tax("KR", None, "10")).await, Ok(false));
    let listed: Vec<_> = r
        .taxes
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|t| (t.country, t.state))
        .collect();
    assert_eq!(
        listed,
        [
            ("US".to_owned(), None),
            ("US".to_owned(), Some("CA".to_owned()))
        ]
    );
    assert!(r.taxes.delete(ca.id).await.expect("delete"));
    assert!(!r.taxes.delete(ca.id).await.expect("delete"));
    assert!(r.taxes.claim_defaults_install().await.expect("claim"));
    assert!(!r.taxes.claim_defaults_install().await.expect("claim"));
}

pub async fn shipping_zones_are_stored_whole(r: &CommerceRepos) {
    let at = now();
    let zone = ShippingZone {
        id: ShippingZoneId::new(),
        name: "Korea".into(),
        countries: vec!["KR".into()],
        states: vec![],
        methods: vec![ShippingMethod {
            code: "same_day".into(),
            name: "Same day".into(),
            estimated_days_min: 0,
            estimated_days_max: 0,
            percent_of_value: Rate::percent(1).expect("rate"),
            cities: vec!["Seoul".into()],
            is_active: true,
            rates: vec![MethodRate {
                currency: Currency::Krw,
                base: 5_000,
                per_kg: 500,
                free_over: Some(100_000),
            }],
        }],
        created_at: at,
        updated_at: at,
    };
    r.zones.insert(&zone).await.expect("insert");
    assert_eq!(
        r.zones.find(zone.id).await.expect("find"),
        Some(zone.clone())
    );
    let mut changed = zone.clone();
    changed.states = vec!["SEOUL".into()];
    changed.methods[0].rates[0].base = 6_000;
    assert!(r.zones.update(&changed).await.expect("update"));
    assert_eq!(r.zones.list().await.expect("list"), vec![changed]);
    assert!(r.zones.delete(zone.id).await.expect("delete"));
    assert!(r.zones.list().await.expect("list").is_empty());
}

pub(crate) fn discount(code: &str, at: Timestamp) -> Discount {
    Discount {
        id: DiscountId::new(),
        code: code.into(),
        value: DiscountValue::FixedAmount(1_000),
        currency: Some(Currency::Jod),
        minimum_order_amount: Some(5_000),
        usage_limit: Some(10),
        usage_limit_per_customer: Some(1),
        times_used: 0,
        starts_at: Some(at - Duration::days(1)),
        ends_at: Some(at + Duration::days(1)),
        is_active: true,
        created_at: at,
        updated_at: at,
    }
}

pub async fn discount_codes_are_unique_and_listed_newest_first(r: &CommerceRepos) {
    let at = now();
    let first = discount("SAVE20", at);
    let second = discount("WELCOME", at + Duration::seconds(1));
    r.discounts.insert(&first).await.expect("insert");
    r.discounts.insert(&second).await.expect("insert");
    assert_eq!(
        r.discounts.insert(&discount("SAVE20", at)).await,
        Err(PricingError::CodeTaken("SAVE20".into()))
    );
    assert_eq!(
        r.discounts.find_by_code("SAVE20").await.expect("find"),
        Some(first.clone())
    );
    assert_eq!(r.discounts.find_by_code("NOPE").await.expect("find"), None);
    let mut renamed = second.clone();
    renamed.code = "SAVE20".into();
    assert_eq!(
        r.discounts.update(&renamed).await,
        Err(PricingError::CodeTaken("SAVE20".into()))
    );
    let mut changed = first.clone();
    changed.value = DiscountValue::Percentage(15);
    changed.times_used = 99;
    assert_eq!(r.discounts.update(&changed).await, Ok(true));
    let stored = r
        .discounts
        .find(first.id)
        .await
        .expect("find")
        .expect("stored");
    assert_eq!(stored.value, DiscountValue::Percentage(15));
    assert_eq!(stored.times_used, 0, "updates never touch the use count");
    let page = r
        .discounts
        .list(PageRequest::new(Some(1), Some(1)).expect("page"))
        .await
        .expect("list");
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].code, "WELCOME");
    assert!(page.has_next);
    assert_eq!(
        r.discounts
            .uses_by_customer(first.id, "someone")
            .await
            .expect("uses"),
        0
    );
    assert!(r.discounts.delete(first.id).await.expect("delete"));
    assert_eq!(r.discounts.find(first.id).await.expect("find"), None);
}
