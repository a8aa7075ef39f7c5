//! Contracts of the pricing ports: tax rates, shipping zones, discount codes.

use std::any::Any;
use std::sync::Arc;

use chrono::Duration;
use merx_kernel::{Currency, PageRequest, Timestamp};
use merx_pricing::{
    Discount, DiscountId, DiscountRepository, DiscountValue, MethodRate, PricingError, Rate,
    ShippingMethod, ShippingZone, ShippingZoneId, ShippingZoneRepository, TaxRate, TaxRateId,
    TaxRateRepository,
};

use crate::carts::now;

/// The pricing ports of one store.
pub struct PricingRepos {
    pub taxes: Arc<dyn TaxRateRepository>,
    pub zones: Arc<dyn ShippingZoneRepository>,
    pub discounts: Arc<dyn DiscountRepository>,
    /// Where the three write their audit entries.
    pub audit_log: Arc<dyn merx_kernel::AuditLog>,
    pub guard: Box<dyn Any + Send + Sync>,
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

pub async fn tax_rates_are_unique_per_zone_and_defaults_are_claimed_once(r: &PricingRepos) {
    let ca = tax("US", Some("CA"), "7.25");
    r.taxes.insert(&ca, None).await.expect("insert");
    r.taxes
        .insert(&tax("US", None, "0"), None)
        .await
        .expect("country-wide is another zone");
    assert_eq!(
        r.taxes.insert(&tax("US", Some("CA"), "8"), None).await,
        Err(PricingError::TaxRateTaken)
    );
    assert_eq!(
        r.taxes.insert(&tax("US", None, "1"), None).await,
        Err(PricingError::TaxRateTaken)
    );
    let mut changed = ca.clone();
    changed.rate = "8.875".parse().expect("rate");
    assert_eq!(
        r.taxes
            .update_with(ca.id, &|_| Ok((changed.clone(), None)))
            .await,
        Ok(Some(changed.clone()))
    );
    assert_eq!(r.taxes.find(ca.id).await.expect("find"), Some(changed));
    let absent = tax("KR", None, "10");
    assert_eq!(
        r.taxes
            .update_with(absent.id, &|_| Ok((absent.clone(), None)))
            .await,
        Ok(None)
    );
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
    assert!(r.taxes.delete(ca.id, None).await.expect("delete"));
    assert!(!r.taxes.delete(ca.id, None).await.expect("delete"));
    assert!(r.taxes.claim_defaults_install().await.expect("claim"));
    assert!(!r.taxes.claim_defaults_install().await.expect("claim"));
}

fn korea(at: Timestamp) -> ShippingZone {
    ShippingZone {
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
    }
}

pub async fn shipping_zones_are_stored_whole(r: &PricingRepos) {
    let zone = korea(now());
    r.zones.insert(&zone, None).await.expect("insert");
    assert_eq!(
        r.zones.find(zone.id).await.expect("find"),
        Some(zone.clone())
    );
    let mut changed = zone.clone();
    changed.states = vec!["SEOUL".into()];
    changed.methods[0].rates[0].base = 6_000;
    assert_eq!(
        r.zones
            .update_with(zone.id, &|_| Ok((changed.clone(), None)))
            .await
            .expect("update"),
        Some(changed.clone())
    );
    assert_eq!(r.zones.list().await.expect("list"), vec![changed]);
    assert!(r.zones.delete(zone.id, None).await.expect("delete"));
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

pub async fn discount_codes_are_unique_and_listed_newest_first(r: &PricingRepos) {
    let at = now();
    let first = discount("SAVE20", at);
    let second = discount("WELCOME", at + Duration::seconds(1));
    r.discounts.insert(&first, None).await.expect("insert");
    r.discounts.insert(&second, None).await.expect("insert");
    assert_eq!(
        r.discounts.insert(&discount("SAVE20", at), None).await,
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
        r.discounts
            .update_with(renamed.id, &|_| Ok((renamed.clone(), None)))
            .await,
        Err(PricingError::CodeTaken("SAVE20".into()))
    );
    let mut changed = first.clone();
    changed.value = DiscountValue::Percentage(15);
    changed.times_used = 99;
    assert!(
        r.discounts
            .update_with(changed.id, &|_| Ok((changed.clone(), None)))
            .await
            .expect("update")
            .is_some()
    );
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
    assert!(r.discounts.delete(first.id, None).await.expect("delete"));
    assert_eq!(r.discounts.find(first.id).await.expect("find"), None);
}

/// An audit entry is stored with its write, and only when the write took effect; the log
/// lists newest first and filters (the audit log's contract, on the tax-rate writes).
pub async fn audit_entries_go_with_the_writes_that_take_effect(r: &PricingRepos) {
    use merx_kernel::audit::{Actor, Author, Changes, Target};
    use merx_kernel::{AuditQuery, PageRequest};

    let by = Author::caller(Actor::user("admin-1"), "req-contract");
    let at = now();
    let entry = |action: &str, id: TaxRateId, at: Timestamp| {
        by.entry(
            action,
            Target::new("tax_rate", id),
            Changes::field("name", serde_json::Value::Null, action),
            at,
        )
    };
    let ca = tax("US", Some("CA"), "7.25");
    r.taxes
        .insert(&ca, entry("tax_rate.create", ca.id, at))
        .await
        .expect("insert");
    // Refused writes: a clash, and an update or delete of nothing.
    let clash = tax("US", Some("CA"), "8");
    assert!(matches!(
        r.taxes
            .insert(&clash, entry("refused.clash", clash.id, at))
            .await,
        Err(PricingError::TaxRateTaken)
    ));
    let ghost = tax("FR", None, "20");
    assert_eq!(
        r.taxes
            .update_with(ghost.id, &|_| {
                Ok((ghost.clone(), entry("refused.update", ghost.id, at)))
            })
            .await
            .expect("update"),
        None
    );
    let later = at + Duration::seconds(5);
    assert!(
        r.taxes
            .delete(ca.id, entry("tax_rate.delete", ca.id, later))
            .await
            .expect("delete")
    );
    assert!(
        !r.taxes
            .delete(ca.id, entry("refused.delete", ca.id, later))
            .await
            .expect("delete again")
    );
    // Merx's own write leaves no entry.
    let ny = tax("US", Some("NY"), "4");
    r.taxes.insert(&ny, None).await.expect("insert");

    let all = r
        .audit_log
        .list(&AuditQuery::default(), PageRequest::default())
        .await
        .expect("list");
    let actions: Vec<&str> = all.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["tax_rate.delete", "tax_rate.create"],
        "newest first, effective only"
    );
    assert_eq!(all.total, 2);
    let first = &all.items[1];
    assert_eq!(first.actor, Actor::user("admin-1"));
    assert_eq!(first.request_id, "req-contract");
    assert_eq!(first.target, Target::new("tax_rate", ca.id));
    assert_eq!(
        first.changes,
        Changes::field("name", serde_json::Value::Null, "tax_rate.create")
    );
    let since = r
        .audit_log
        .list(
            &AuditQuery {
                since: Some(later),
                ..AuditQuery::default()
            },
            PageRequest::default(),
        )
        .await
        .expect("since");
    assert_eq!(since.total, 1);
    let none = r
        .audit_log
        .list(
            &AuditQuery {
                actor_id: Some("someone-else".into()),
                ..AuditQuery::default()
            },
            PageRequest::default(),
        )
        .await
        .expect("by actor");
    assert_eq!(none.total, 0);
    let paged = r
        .audit_log
        .list(
            &AuditQuery {
                target_type: Some("tax_rate".into()),
                target_id: Some(ca.id.to_string()),
                ..AuditQuery::default()
            },
            PageRequest::new(Some(2), Some(1)).expect("page"),
        )
        .await
        .expect("paged");
    assert_eq!((paged.total, paged.items.len()), (2, 1));
    assert_eq!(paged.items[0].action, "tax_rate.create");
}

/// Edits that run `update_with` on one row at once, each sending one field, as admins'
/// `PATCH`es do: every change survives, whatever the order the store applies them in.
async fn race<T, P>(
    patches: Vec<P>,
    update: impl Fn(P) -> tokio::task::JoinHandle<Result<Option<T>, PricingError>>,
) {
    let edits: Vec<_> = patches.into_iter().map(update).collect();
    for outcome in futures_util::future::join_all(edits).await {
        assert!(
            outcome.expect("joined").expect("updated").is_some(),
            "the row is there"
        );
    }
}

/// Holds the row a little while the store's lock is held, so a store that read without
/// locking would lose a change for certain.
fn slowly() {
    std::thread::sleep(std::time::Duration::from_millis(3));
}

pub async fn concurrent_patches_of_different_fields_all_survive(r: &PricingRepos) {
    use merx_kernel::audit::{Actor, Author, Target};
    use merx_pricing::{DiscountPatch, ShippingZonePatch, TaxRatePatch};

    let at = now();
    let later = at + Duration::minutes(1);
    let by = Author::caller(Actor::user("admin-1"), "req-race");

    let code = discount("RACE", at);
    r.discounts.insert(&code, None).await.expect("insert");
    let patches = vec![
        DiscountPatch {
            is_active: Some(false),
            ..DiscountPatch::default()
        },
        DiscountPatch {
            value: Some(1_500),
            ..DiscountPatch::default()
        },
        DiscountPatch {
            minimum_order_amount: Some(Some(6_000)),
            ..DiscountPatch::default()
        },
        DiscountPatch {
            usage_limit: Some(None),
            ..DiscountPatch::default()
        },
        DiscountPatch {
            usage_limit_per_customer: Some(Some(2)),
            ..DiscountPatch::default()
        },
        DiscountPatch {
            ends_at: Some(Some(at + Duration::days(2))),
            ..DiscountPatch::default()
        },
        DiscountPatch {
            code: Some("RACED".into()),
            ..DiscountPatch::default()
        },
    ];
    let count = patches.len();
    race(patches, |patch| {
        let (discounts, by) = (r.discounts.clone(), by.clone());
        tokio::spawn(async move {
            let edit = |d: &Discount| {
                slowly();
                let after = d.patched(&patch, Currency::Jod, later)?;
                let entry = by.entry(
                    "discount.update",
                    Target::new("discount", d.id),
                    merx_kernel::audit::Changes::default(),
                    later,
                );
                Ok((after, entry))
            };
            discounts.update_with(code.id, &edit).await
        })
    })
    .await;
    let stored = r
        .discounts
        .find(code.id)
        .await
        .expect("find")
        .expect("stored");
    assert_eq!(
        stored,
        Discount {
            code: "RACED".into(),
            value: DiscountValue::FixedAmount(1_500),
            minimum_order_amount: Some(6_000),
            usage_limit: None,
            usage_limit_per_customer: Some(2),
            ends_at: Some(at + Duration::days(2)),
            is_active: false,
            updated_at: later,
            ..code.clone()
        },
        "no patch lost another's field"
    );
    let audited = r
        .audit_log
        .list(
            &merx_kernel::AuditQuery {
                target_id: Some(code.id.to_string()),
                ..merx_kernel::AuditQuery::default()
            },
            PageRequest::default(),
        )
        .await
        .expect("audit log");
    assert_eq!(audited.total, count as u64, "one entry with each write");

    let rate = tax("CA", Some("ON"), "13");
    r.taxes.insert(&rate, None).await.expect("insert");
    let patches = vec![
        TaxRatePatch {
            name: Some("HST".into()),
            ..TaxRatePatch::default()
        },
        TaxRatePatch {
            rate: Some("13.5".parse().expect("rate")),
            ..TaxRatePatch::default()
        },
        TaxRatePatch {
            tax_shipping: Some(false),
            ..TaxRatePatch::default()
        },
        TaxRatePatch {
            business_exemption: Some(true),
            ..TaxRatePatch::default()
        },
    ];
    race(patches, |patch| {
        let taxes = r.taxes.clone();
        tokio::spawn(async move {
            let edit = |t: &TaxRate| {
                slowly();
                Ok((t.patched(&patch, later)?, None))
            };
            taxes.update_with(rate.id, &edit).await
        })
    })
    .await;
    assert_eq!(
        r.taxes.find(rate.id).await.expect("find"),
        Some(TaxRate {
            name: "HST".into(),
            rate: "13.5".parse().expect("rate"),
            tax_shipping: false,
            business_exemption: true,
            updated_at: later,
            ..rate.clone()
        })
    );

    let zone = korea(at);
    r.zones.insert(&zone, None).await.expect("insert");
    let mut methods = zone.methods.clone();
    methods[0].rates[0].base = 6_000;
    let patches = vec![
        ShippingZonePatch {
            name: Some("Korea and Japan".into()),
            ..ShippingZonePatch::default()
        },
        ShippingZonePatch {
            countries: Some(vec!["KR".into(), "JP".into()]),
            ..ShippingZonePatch::default()
        },
        ShippingZonePatch {
            states: Some(vec!["SEOUL".into()]),
            ..ShippingZonePatch::default()
        },
        ShippingZonePatch {
            methods: Some(methods.clone()),
            ..ShippingZonePatch::default()
        },
    ];
    race(patches, |patch| {
        let zones = r.zones.clone();
        tokio::spawn(async move {
            let edit = |z: &ShippingZone| {
                slowly();
                Ok((z.patched(&patch, later)?, None))
            };
            zones.update_with(zone.id, &edit).await
        })
    })
    .await;
    assert_eq!(
        r.zones.find(zone.id).await.expect("find"),
        Some(ShippingZone {
            name: "Korea and Japan".into(),
            countries: vec!["KR".into(), "JP".into()],
            states: vec!["SEOUL".into()],
            methods,
            updated_at: later,
            ..zone.clone()
        })
    );
}

/// `update_with` writes exactly what the edit answers (the id and, for a code, its uses
/// kept), with its audit entry; nothing at all when the row is missing (the edit is not
/// called), when the edit refuses, or when the result clashes with another row.
pub async fn an_update_with_writes_what_the_edit_answers_or_nothing(r: &PricingRepos) {
    use std::sync::atomic::{AtomicBool, Ordering};

    use merx_kernel::audit::{Actor, Author, Changes, Target};
    use merx_kernel::{AuditQuery, ValidationErrors};

    let at = now();
    let by = Author::caller(Actor::user("admin-1"), "req-edit");
    let entry = |target: Target| by.entry("x.update", target, Changes::default(), at);
    let audited = || async {
        r.audit_log
            .list(&AuditQuery::default(), PageRequest::default())
            .await
            .expect("audit log")
            .total
    };

    // A missing row: the edit is never called.
    let called = AtomicBool::new(false);
    let never = |d: &Discount| {
        called.store(true, Ordering::SeqCst);
        Ok((d.clone(), None))
    };
    assert_eq!(
        r.discounts.update_with(DiscountId::new(), &never).await,
        Ok(None)
    );
    assert!(!called.load(Ordering::SeqCst));
    let tax_never = |t: &TaxRate| Ok((t.clone(), None));
    assert_eq!(
        r.taxes.update_with(TaxRateId::new(), &tax_never).await,
        Ok(None)
    );
    let zone_never = |z: &ShippingZone| Ok((z.clone(), None));
    assert_eq!(
        r.zones
            .update_with(ShippingZoneId::new(), &zone_never)
            .await,
        Ok(None)
    );

    // A code: refused, clashing, then written with its uses kept.
    let first = discount("FIRST", at);
    let second = discount("SECOND", at);
    r.discounts.insert(&first, None).await.expect("insert");
    r.discounts.insert(&second, None).await.expect("insert");
    let refuse = |_: &Discount| Err(ValidationErrors::single("value", "no").into());
    assert_eq!(
        r.discounts.update_with(first.id, &refuse).await,
        Err(PricingError::Validation(ValidationErrors::single(
            "value", "no"
        )))
    );
    let take_code = |d: &Discount| {
        let taken = Discount {
            code: "SECOND".into(),
            ..d.clone()
        };
        Ok((taken, entry(Target::new("discount", d.id))))
    };
    assert_eq!(
        r.discounts.update_with(first.id, &take_code).await,
        Err(PricingError::CodeTaken("SECOND".into()))
    );
    assert_eq!(
        r.discounts.find(first.id).await.expect("find"),
        Some(first.clone()),
        "nothing written"
    );
    assert_eq!(
        audited().await,
        0,
        "no entry for a write that did not happen"
    );
    let edited = Discount {
        value: DiscountValue::Percentage(15),
        times_used: 99,
        updated_at: at + Duration::seconds(1),
        ..first.clone()
    };
    let rewrite = |d: &Discount| {
        Ok((
            Discount {
                id: DiscountId::new(),
                ..edited.clone()
            },
            entry(Target::new("discount", d.id)),
        ))
    };
    let written = Discount {
        times_used: 0,
        ..edited.clone()
    };
    assert_eq!(
        r.discounts.update_with(first.id, &rewrite).await,
        Ok(Some(written.clone())),
        "its own id, its uses as stored"
    );
    assert_eq!(
        r.discounts.find(first.id).await.expect("find"),
        Some(written)
    );
    assert_eq!(audited().await, 1);

    // A rate: a clash with another zone's rate writes nothing.
    let ca = tax("US", Some("CA"), "7.25");
    let ny = tax("US", Some("NY"), "4");
    r.taxes.insert(&ca, None).await.expect("insert");
    r.taxes.insert(&ny, None).await.expect("insert");
    let to_ny = |t: &TaxRate| {
        let moved = TaxRate {
            state: Some("NY".into()),
            ..t.clone()
        };
        Ok((moved, entry(Target::new("tax_rate", t.id))))
    };
    assert_eq!(
        r.taxes.update_with(ca.id, &to_ny).await,
        Err(PricingError::TaxRateTaken)
    );
    assert_eq!(r.taxes.find(ca.id).await.expect("find"), Some(ca.clone()));
    assert_eq!(audited().await, 1);

    // A zone: refused, then written whole.
    let zone = korea(at);
    r.zones.insert(&zone, None).await.expect("insert");
    let refuse = |_: &ShippingZone| Err(PricingError::NotFound);
    assert_eq!(
        r.zones.update_with(zone.id, &refuse).await,
        Err(PricingError::NotFound)
    );
    let mut changed = zone.clone();
    changed.methods[0].is_active = false;
    let rewrite = |z: &ShippingZone| Ok((changed.clone(), entry(Target::new("zone", z.id))));
    assert_eq!(
        r.zones.update_with(zone.id, &rewrite).await,
        Ok(Some(changed.clone()))
    );
    assert_eq!(r.zones.list().await.expect("list"), vec![changed]);
    assert_eq!(audited().await, 2);
}
