use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, DurationRound, Utc};
use merx_catalog::{
    CatalogError, InitialStock, Product, ProductQuery, ProductRepository, ProductStatus, SortBy,
    SortOrder, Variant,
};
use merx_inventory::{
    InventoryError, ReservationLine, ReserveOutcome, Shortage, StockChange, StockRepository,
};
use merx_kernel::{Currency, Money, PageRequest, ProductId, Timestamp, VariantId};

/// The catalog and stock ports of one store (they share its data).
pub struct CatalogRepos {
    pub products: Arc<dyn ProductRepository>,
    pub stock: Arc<dyn StockRepository>,
    pub guard: Box<dyn Any + Send + Sync>,
}

pub(crate) fn now() -> Timestamp {
    Utc::now()
        .duration_trunc(Duration::microseconds(1))
        .unwrap_or_else(|_| Utc::now())
}

pub(crate) fn variant(sku: &str, price: i64) -> Variant {
    Variant {
        id: VariantId::new(),
        sku: sku.into(),
        name: sku.into(),
        options: BTreeMap::from([("size".to_owned(), "M".to_owned())]),
        price: Money::new(price, Currency::Usd),
        compare_at_price: None,
        cost_price: Some(Money::new(price / 2, Currency::Usd)),
        weight_grams: 300,
        position: 0,
    }
}

pub(crate) fn product(slug: &str, variants: Vec<Variant>) -> Product {
    let at = now();
    Product {
        id: ProductId::new(),
        name: format!("Product {slug}"),
        slug: slug.into(),
        description: Some("A test product".into()),
        short_description: None,
        category: Some("tops".into()),
        tags: vec!["summer".into()],
        images: Vec::new(),
        status: ProductStatus::Active,
        is_featured: false,
        currency: Currency::Usd,
        attributes: serde_json::Map::new(),
        seo_title: None,
        seo_description: None,
        variants,
        reviews: Default::default(),
        created_at: at,
        updated_at: at,
    }
}

pub(crate) fn stock_of(p: &Product, on_hand: i64) -> Vec<(VariantId, InitialStock)> {
    p.variants
        .iter()
        .map(|v| {
            (
                v.id,
                InitialStock {
                    on_hand,
                    track_inventory: true,
                    low_stock_threshold: 5,
                },
            )
        })
        .collect()
}

fn query() -> ProductQuery {
    ProductQuery {
        statuses: vec![ProductStatus::Active],
        sort_by: SortBy::Price,
        sort_order: SortOrder::Asc,
        page: PageRequest::default(),
        ..ProductQuery::default()
    }
}

pub async fn a_product_is_stored_whole_with_its_stock(repos: &CatalogRepos) {
    let p = product("tee", vec![variant("TEE-M", 2500), variant("TEE-L", 2700)]);
    repos
        .products
        .insert(&p, &stock_of(&p, 7), None)
        .await
        .expect("insert");
    assert_eq!(
        repos.products.find(p.id).await.expect("find"),
        Some(p.clone())
    );
    assert_eq!(
        repos.products.find_by_slug("tee").await.expect("find"),
        Some(p.clone())
    );
    let ids: Vec<_> = p.variants.iter().map(|v| v.id).collect();
    let levels = repos.stock.levels(&ids, now()).await.expect("levels");
    assert_eq!(levels.len(), 2);
    assert!(levels.iter().all(|l| l.on_hand == 7 && l.reserved == 0));
}

pub async fn a_clashing_slug_or_sku_stores_nothing(repos: &CatalogRepos) {
    let first = product("cap", vec![variant("CAP-1", 1000)]);
    repos
        .products
        .insert(&first, &stock_of(&first, 1), None)
        .await
        .expect("insert");
    let same_slug = product("cap", vec![variant("CAP-2", 1000)]);
    let err = repos
        .products
        .insert(&same_slug, &stock_of(&same_slug, 1), None)
        .await
        .expect_err("slug");
    assert!(matches!(err, CatalogError::SlugTaken(_)), "{err:?}");
    let same_sku = product(
        "cap-two",
        vec![variant("CAP-3", 1000), variant("CAP-1", 1000)],
    );
    let err = repos
        .products
        .insert(&same_sku, &stock_of(&same_sku, 1), None)
        .await
        .expect_err("sku");
    assert!(
        matches!(err, CatalogError::SkuTaken(ref s) if s == "CAP-1"),
        "{err:?}"
    );
    assert_eq!(repos.products.find(same_sku.id).await.expect("find"), None);
    let ids: Vec<_> = same_sku.variants.iter().map(|v| v.id).collect();
    assert!(
        repos
            .stock
            .levels(&ids, now())
            .await
            .expect("levels")
            .is_empty(),
        "no stock for a product that was refused"
    );
    assert!(repos.products.slug_taken("cap", None).await.expect("taken"));
    assert!(
        !repos
            .products
            .slug_taken("cap", Some(first.id))
            .await
            .expect("taken")
    );
}

pub async fn an_update_replaces_the_variant_list(repos: &CatalogRepos) {
    let mut p = product("scarf", vec![variant("SC-1", 4000), variant("SC-2", 4200)]);
    repos
        .products
        .insert(&p, &stock_of(&p, 3), None)
        .await
        .expect("insert");
    let removed = p.variants.remove(1);
    let added = variant("SC-3", 3900);
    p.variants.push(added.clone());
    p.variants[0].price = Money::new(4100, Currency::Usd);
    p.name = "Wool Scarf".into();
    p.updated_at = now() + Duration::seconds(1);
    let new_stock = vec![(
        added.id,
        InitialStock {
            on_hand: 9,
            track_inventory: true,
            low_stock_threshold: 2,
        },
    )];
    assert!(
        repos
            .products
            .update(&p, &new_stock, None)
            .await
            .expect("update")
    );
    assert_eq!(
        repos.products.find(p.id).await.expect("find"),
        Some(p.clone())
    );
    let levels = repos
        .stock
        .levels(&[removed.id, added.id], now())
        .await
        .expect("levels");
    assert_eq!(levels.len(), 1, "the removed variant's stock went with it");
    assert_eq!(levels[0].on_hand, 9);
    let ghost = product("ghost", vec![variant("GH-1", 1)]);
    assert!(
        !repos
            .products
            .update(&ghost, &[], None)
            .await
            .expect("update")
    );
    assert!(repos.products.delete(p.id, None).await.expect("delete"));
    assert_eq!(repos.products.find(p.id).await.expect("find"), None);
    assert!(
        !repos
            .products
            .delete(p.id, None)
            .await
            .expect("delete again")
    );
}

pub async fn lists_filter_on_stock_price_and_text(repos: &CatalogRepos) {
    let cheap = product("cheap", vec![variant("CH-1", 500)]);
    let sold_out = product("sold-out", vec![variant("SO-1", 1500)]);
    let mut korean = product("oil", vec![variant("OIL-100", 32_000)]);
    korean.name = "동백 헤어 오일".into();
    repos
        .products
        .insert(&cheap, &stock_of(&cheap, 4), None)
        .await
        .expect("insert");
    repos
        .products
        .insert(&sold_out, &stock_of(&sold_out, 0), None)
        .await
        .expect("insert");
    repos
        .products
        .insert(&korean, &stock_of(&korean, 2), None)
        .await
        .expect("insert");
    let slugs = |page: merx_kernel::Page<Product>| {
        page.items.into_iter().map(|p| p.slug).collect::<Vec<_>>()
    };
    let all = repos.products.list(&query()).await.expect("list");
    assert_eq!(all.total, 3);
    assert_eq!(slugs(all), ["cheap", "sold-out", "oil"]);
    let in_stock = repos
        .products
        .list(&ProductQuery {
            in_stock: Some(true),
            ..query()
        })
        .await
        .expect("list");
    assert_eq!(slugs(in_stock), ["cheap", "oil"]);
    // Stock changes move products in and out of stock at once.
    repos
        .stock
        .adjust(
            sold_out.variants[0].id,
            StockChange::Set(3),
            "admin",
            "restock",
            now(),
            None,
        )
        .await
        .expect("restock");
    repos
        .stock
        .adjust(
            cheap.variants[0].id,
            StockChange::Delta(-4),
            "admin",
            "sold",
            now(),
            None,
        )
        .await
        .expect("sold");
    let filter = |want: bool| ProductQuery {
        in_stock: Some(want),
        ..query()
    };
    assert_eq!(
        slugs(repos.products.list(&filter(true)).await.expect("list")),
        ["sold-out", "oil"]
    );
    assert_eq!(
        slugs(repos.products.list(&filter(false)).await.expect("list")),
        ["cheap"]
    );
    let priced = ProductQuery {
        min_price: Some(1000),
        max_price: Some(20_000),
        ..query()
    };
    assert_eq!(
        slugs(repos.products.list(&priced).await.expect("list")),
        ["sold-out"]
    );
    let search = ProductQuery {
        search: Some("헤어".into()),
        ..query()
    };
    assert_eq!(
        slugs(repos.products.list(&search).await.expect("list")),
        ["oil"]
    );
    let sku = ProductQuery {
        search: Some("so-1".into()),
        ..query()
    };
    assert_eq!(
        slugs(repos.products.list(&sku).await.expect("list")),
        ["sold-out"]
    );
    let paged = ProductQuery {
        page: PageRequest::new(Some(2), Some(2)).expect("valid"),
        ..query()
    };
    let page = repos.products.list(&paged).await.expect("list");
    assert_eq!((page.total, page.has_prev, page.has_next), (3, true, false));
    assert_eq!(slugs(page), ["oil"]);
    // Search pages keep the sort order and the total of every match (two characters use
    // the bigram index in Postgres, one the plain scan).
    let searched = |text: &str, order: SortOrder, page: i64| ProductQuery {
        search: Some(text.into()),
        sort_by: SortBy::Price,
        sort_order: order,
        page: PageRequest::new(Some(page), Some(2)).expect("valid"),
        ..query()
    };
    for (text, order, page, want) in [
        ("-1", SortOrder::Desc, 1, vec!["oil", "sold-out"]),
        ("-1", SortOrder::Desc, 2, vec!["cheap"]),
        ("1", SortOrder::Asc, 1, vec!["cheap", "sold-out"]),
        ("1", SortOrder::Asc, 3, vec![]),
    ] {
        let got = repos
            .products
            .list(&searched(text, order, page))
            .await
            .expect("list");
        assert_eq!(got.total, 3, "search {text} page {page}");
        assert_eq!(slugs(got), want, "search {text} page {page}");
    }
    // Two characters narrow like any search; wildcards are literal; a search spans the name,
    // the description and the SKUs as one text.
    for (text, want) in [
        ("o-", vec!["sold-out"]),
        ("_1", vec![]),
        ("%1", vec![]),
        ("product oil test", vec![]),
        ("cheap a test", vec!["cheap"]),
        ("test product ch-1", vec!["cheap"]),
    ] {
        let got = repos
            .products
            .list(&ProductQuery {
                search: Some(text.into()),
                ..query()
            })
            .await
            .expect("list");
        assert_eq!(got.total, want.len() as u64, "search {text}");
        assert_eq!(slugs(got), want, "search {text}");
    }
    // Totals from a full page (counted), an exactly full last page and a page past the end.
    let at = |page: i64, size: i64| ProductQuery {
        page: PageRequest::new(Some(page), Some(size)).expect("valid"),
        ..query()
    };
    for (page, size, shown) in [(1, 2, 2), (1, 3, 3), (2, 3, 0), (5, 1, 0)] {
        let got = repos.products.list(&at(page, size)).await.expect("list");
        assert_eq!(
            (got.items.len(), got.total),
            (shown, 3),
            "page {page} of size {size}"
        );
    }
}

pub async fn concurrent_adjustments_lose_nothing_and_never_go_below_zero(repos: &CatalogRepos) {
    let p = product("bulk", vec![variant("BULK-1", 100)]);
    repos
        .products
        .insert(&p, &stock_of(&p, 10), None)
        .await
        .expect("insert");
    let vid = p.variants[0].id;
    let at = now();
    let adjust = |d: i64| {
        repos
            .stock
            .adjust(vid, StockChange::Delta(d), "tester", "load", at, None)
    };
    let results = futures_util::future::join_all((0..15).map(|_| adjust(-1))).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 10, "exactly the stock on hand could be taken");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, InventoryError::NegativeStock { .. }))
    );
    let level = repos
        .stock
        .levels(&[vid], now())
        .await
        .expect("levels")
        .pop()
        .expect("level");
    assert_eq!(level.on_hand, 0);
    let set = repos
        .stock
        .adjust(vid, StockChange::Set(4), "admin", "recount", at, None)
        .await
        .expect("set");
    assert_eq!((set.before, set.after), (0, 4));
    let history = repos.stock.adjustments(vid).await.expect("history");
    assert_eq!(history.len(), 11);
    assert_eq!(history[0].reason, "recount", "newest first");
    let missing = repos
        .stock
        .adjust(VariantId::new(), StockChange::Delta(1), "a", "b", at, None)
        .await;
    assert!(matches!(missing, Err(InventoryError::NotFound)));
}

fn stock(on_hand: i64) -> InitialStock {
    InitialStock {
        on_hand,
        track_inventory: true,
        low_stock_threshold: 5,
    }
}

fn hold(variant: VariantId, quantity: i64) -> ReservationLine {
    ReservationLine {
        variant_id: variant,
        quantity,
    }
}

pub async fn reservations_are_all_or_nothing_and_stop_counting_at_expiry(repos: &CatalogRepos) {
    let p = product("held", vec![variant("HELD-1", 100), variant("HELD-2", 100)]);
    let (a, b) = (p.variants[0].id, p.variants[1].id);
    repos
        .products
        .insert(&p, &[(a, stock(5)), (b, stock(1))], None)
        .await
        .expect("insert");
    let t0 = now();
    let until = t0 + Duration::minutes(15);
    let short = repos
        .stock
        .reserve("checkout:1", &[hold(a, 2), hold(b, 2)], t0, until)
        .await
        .expect("reserve");
    assert_eq!(
        short,
        ReserveOutcome::Short(vec![Shortage {
            variant_id: b,
            available: 1,
            requested: 2
        }])
    );
    let level = |levels: Vec<merx_inventory::StockLevel>, v: VariantId| {
        levels
            .into_iter()
            .find(|l| l.variant_id == v)
            .expect("level")
    };
    let levels = repos.stock.levels(&[a, b], t0).await.expect("levels");
    assert_eq!(
        level(levels, a).reserved,
        0,
        "nothing is held after a shortfall"
    );

    assert_eq!(
        repos
            .stock
            .reserve("checkout:1", &[hold(a, 2), hold(b, 1)], t0, until)
            .await
            .expect("reserve"),
        ReserveOutcome::Reserved
    );
    let levels = repos.stock.levels(&[a, b], t0).await.expect("levels");
    let la = level(levels.clone(), a);
    assert_eq!((la.on_hand, la.reserved, la.available()), (5, 2, 3));
    assert_eq!(level(levels, b).available(), 0);
    // Another holder cannot take what is held; the same holder re-reserving replaces.
    assert!(matches!(
        repos
            .stock
            .reserve("checkout:2", &[hold(b, 1)], t0, until)
            .await
            .expect("reserve"),
        ReserveOutcome::Short(_)
    ));
    assert_eq!(
        repos
            .stock
            .reserve("checkout:1", &[hold(a, 4)], t0, until)
            .await
            .expect("reserve"),
        ReserveOutcome::Reserved
    );
    let levels = repos.stock.levels(&[a, b], t0).await.expect("levels");
    assert_eq!(level(levels.clone(), a).reserved, 4);
    assert_eq!(level(levels, b).reserved, 0);

    // At the expiry the hold stops counting, before any sweep.
    let levels = repos.stock.levels(&[a], until).await.expect("levels");
    assert_eq!(level(levels, a).available(), 5);
    assert_eq!(
        repos
            .stock
            .reserve(
                "checkout:3",
                &[hold(a, 5)],
                until,
                until + Duration::minutes(15)
            )
            .await
            .expect("reserve"),
        ReserveOutcome::Reserved
    );
    assert_eq!(
        repos
            .stock
            .delete_expired_reservations(until)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(repos.stock.release("checkout:3").await.expect("release"), 1);
    assert_eq!(repos.stock.release("checkout:3").await.expect("release"), 0);
    let levels = repos.stock.levels(&[a], until).await.expect("levels");
    assert_eq!(level(levels, a).available(), 5);
}

pub async fn concurrent_reservations_never_hold_more_than_is_on_hand(repos: &CatalogRepos) {
    let p = product("flash", vec![variant("FLASH-1", 100)]);
    let v = p.variants[0].id;
    repos
        .products
        .insert(&p, &[(v, stock(10))], None)
        .await
        .expect("insert");
    let t0 = now();
    let attempts: Vec<_> = (0..40)
        .map(|i| {
            let stock = repos.stock.clone();
            tokio::spawn(async move {
                stock
                    .reserve(
                        &format!("checkout:{i}"),
                        &[hold(v, 1)],
                        t0,
                        t0 + Duration::minutes(15),
                    )
                    .await
            })
        })
        .collect();
    let mut held = 0;
    for a in attempts {
        if a.await.expect("joined").expect("reserve") == ReserveOutcome::Reserved {
            held += 1;
        }
    }
    assert_eq!(held, 10, "exactly the stock on hand is held");
    let level = repos.stock.levels(&[v], t0).await.expect("levels");
    assert_eq!((level[0].reserved, level[0].available()), (10, 0));
}

/// The `in_stock` filter means what [`merx_inventory::is_in_stock`] says of the product's
/// levels as read at the query's time: holds live then count, expired ones do not, and one
/// variant with units left (or untracked) keeps the product in stock.
pub async fn the_in_stock_filter_agrees_with_the_stock_flags_under_reservations(
    repos: &CatalogRepos,
) {
    let held = product("all-held", vec![variant("AH-1", 100), variant("AH-2", 100)]);
    let partly = product(
        "part-held",
        vec![variant("PH-1", 100), variant("PH-2", 100)],
    );
    let untracked = product("untracked-held", vec![variant("UH-1", 100)]);
    repos
        .products
        .insert(&held, &stock_of(&held, 2), None)
        .await
        .expect("insert");
    repos
        .products
        .insert(&partly, &stock_of(&partly, 2), None)
        .await
        .expect("insert");
    let mut free = stock_of(&untracked, 0);
    free[0].1.track_inventory = false;
    repos
        .products
        .insert(&untracked, &free, None)
        .await
        .expect("insert");
    let t0 = now();
    let until = t0 + Duration::minutes(15);
    let lines = [
        hold(held.variants[0].id, 2),
        hold(held.variants[1].id, 2),
        hold(partly.variants[0].id, 2),
        hold(partly.variants[1].id, 1),
        hold(untracked.variants[0].id, 5),
    ];
    assert_eq!(
        repos
            .stock
            .reserve("checkout:in-stock", &lines, t0, until)
            .await
            .expect("reserve"),
        ReserveOutcome::Reserved
    );
    let listed = |want: bool, at: Timestamp| {
        let q = ProductQuery {
            in_stock: Some(want),
            now: at,
            ..query()
        };
        async move {
            let mut slugs: Vec<String> = repos
                .products
                .list(&q)
                .await
                .expect("list")
                .items
                .into_iter()
                .map(|p| p.slug)
                .collect();
            slugs.sort();
            slugs
        }
    };
    for p in [&held, &partly, &untracked] {
        let ids: Vec<_> = p.variants.iter().map(|v| v.id).collect();
        let levels = repos.stock.levels(&ids, t0).await.expect("levels");
        let flagged = merx_inventory::is_in_stock(&levels);
        let in_list = listed(flagged, t0).await.contains(&p.slug);
        assert!(in_list, "{} is listed where its flag says", p.slug);
    }
    assert_eq!(listed(true, t0).await, ["part-held", "untracked-held"]);
    assert_eq!(listed(false, t0).await, ["all-held"]);
    let later = until + Duration::seconds(1);
    assert_eq!(
        listed(true, later).await,
        ["all-held", "part-held", "untracked-held"],
        "expired holds stop counting at once"
    );
    assert!(listed(false, later).await.is_empty());
}
