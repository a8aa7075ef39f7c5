//! Contracts of the cart port.

use std::any::Any;
use std::sync::Arc;

use chrono::{Duration, DurationRound, Utc};
use merx_cart::{AddOutcome, Cart, CartId, CartItem, CartItemId, CartOwner, CartRepository, Touch};
use merx_kernel::{Currency, ProductId, Timestamp, VariantId};

/// The cart port of one store.
pub struct CartRepos {
    pub carts: Arc<dyn CartRepository>,
    pub guard: Box<dyn Any + Send + Sync>,
}

pub(crate) fn now() -> Timestamp {
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

pub async fn carts_keep_lines_and_the_newest_unexpired_cart_is_current(r: &CartRepos) {
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

pub async fn concurrent_adds_to_one_line_lose_nothing_and_respect_the_maximum(r: &CartRepos) {
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
            other => panic!("the cart exists in its currency: {other:?}"),
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

/// Adding to the owner's current cart: concurrent first adds make one cart and lose no unit,
/// the line's maximum holds, and a cart in another currency is left alone.
pub async fn adds_to_the_current_cart_make_it_once_and_keep_its_currency(r: &CartRepos) {
    let at = now();
    let variant = VariantId::new();
    let tries: Vec<_> = (0..10)
        .map(|_| {
            let carts = r.carts.clone();
            let new = guest_cart("sess-contract-current", at);
            let item = line(variant, 1, at);
            tokio::spawn(async move { carts.add_to_current(&new, &item, 8, Touch::at(at)).await })
        })
        .collect();
    let mut ids = Vec::new();
    let mut refused = 0;
    for t in tries {
        match t.await.expect("joined").expect("stored") {
            AddOutcome::Added(cart) => ids.push(cart.id),
            AddOutcome::TooMany { current } => {
                assert_eq!(current, 8);
                refused += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(
        (ids.len(), refused),
        (1, 2),
        "one cart, eight units, two refused"
    );
    let stored = r.carts.find(ids[0]).await.expect("find").expect("cart");
    assert_eq!(stored.items.len(), 1);
    assert_eq!(stored.items[0].quantity, 8);
    let mut usd = guest_cart("sess-contract-current", at);
    usd.currency = Currency::Usd;
    let other = r
        .carts
        .add_to_current(&usd, &line(VariantId::new(), 1, at), 8, Touch::at(at))
        .await
        .expect("add");
    assert_eq!(other, AddOutcome::OtherCurrency(Currency::Krw));
    let unchanged = r.carts.find(ids[0]).await.expect("find").expect("cart");
    assert_eq!(unchanged.items.len(), 1, "nothing added to the KRW cart");
}

pub async fn lines_are_set_removed_cleared_merged_and_carts_reassigned(r: &CartRepos) {
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
