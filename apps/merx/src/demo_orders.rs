//! Demo orders, so the reports and the console have something to show: `merx seed-demo
//! --orders N`, and some on the in-memory server. Each order is placed, paid, shipped, refunded
//! or cancelled through the same services as the API, at its own moment of the last 90 days
//! (the services run on a clock set to that moment). Cash on delivery, across the demo
//! catalog's currencies, with the stock each order needs added first.

use std::sync::Arc;

use merx_catalog::{Audience, ProductQuery, ProductStatus, SortBy, SortOrder};
use merx_checkout::{NewOrderRequest, OrderSource, RefundAsk};
use merx_inventory::StockChange;
use merx_kernel::{Author, Clock, Currency, ManualClock, PageRequest, PostalAddress, VariantId};
use merx_orders::{OrderEdit, OrderStatus, OrderViewer, PaymentStatus};

use crate::config::Config;
use crate::state::AppState;
use crate::wiring::{StartupError, Stores, build_state};

/// How far back demo orders go.
pub const DAYS: i64 = 90;

/// What happens to the `i`-th demo order: a spread that gives every report something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    LeftPending,
    Cancelled,
    Paid,
    Shipped,
    Delivered,
    PartlyRefunded,
    Refunded,
}

fn fate(i: usize) -> Fate {
    match i % 20 {
        0 => Fate::LeftPending,
        1 | 2 => Fate::Cancelled,
        3..=7 => Fate::Paid,
        8..=12 => Fate::Shipped,
        13..=16 => Fate::Delivered,
        17 | 18 => Fate::PartlyRefunded,
        _ => Fate::Refunded,
    }
}

/// A delivery address the shipped pricing defaults serve in `currency`'s country.
fn address(currency: Currency, i: usize) -> Option<PostalAddress> {
    let (city, state, postal_code, country, line1) = match currency {
        Currency::Usd => ("San Francisco", Some("CA"), "94105", "US", "1 Market St"),
        Currency::Krw => ("Seoul", None, "04524", "KR", "1 Sejong-daero"),
        Currency::Jod => ("Amman", None, "11181", "JO", "12 Rainbow St"),
        _ => return None,
    };
    Some(PostalAddress {
        name: format!("Demo Customer {}", i % 97),
        phone: None,
        line1: line1.to_owned(),
        line2: None,
        city: city.to_owned(),
        state: state.map(str::to_owned),
        postal_code: postal_code.to_owned(),
        country: country.to_owned(),
    })
}

/// A variant to sell, its currency.
async fn sellable(state: &AppState) -> Result<Vec<(VariantId, Currency)>, StartupError> {
    let mut all = Vec::new();
    for page in 1..=3 {
        let found = state
            .catalog
            .list(
                ProductQuery {
                    statuses: vec![ProductStatus::Active],
                    sort_by: SortBy::CreatedAt,
                    sort_order: SortOrder::Asc,
                    page: PageRequest::new(Some(page), Some(100)).map_err(fail)?,
                    ..ProductQuery::default()
                },
                Audience::Admin,
            )
            .await
            .map_err(fail)?;
        for p in &found.items {
            if address(p.product.currency, 0).is_some()
                && let Some(v) = p.product.variants.first()
            {
                all.push((v.id, p.product.currency));
            }
        }
        if !found.has_next {
            break;
        }
    }
    Ok(all)
}

fn fail(e: impl std::fmt::Display) -> StartupError {
    StartupError::Other(format!("demo orders: {e}"))
}

/// Places `n` demo orders over the last [`DAYS`] days on `stores`, telling `progress` of each.
/// Answers how many were placed.
///
/// # Errors
/// When the catalog has nothing to sell or a service refuses.
pub async fn seed_orders(
    config: &Config,
    stores: &Stores,
    n: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<usize, StartupError> {
    if n == 0 {
        return Ok(0);
    }
    let now = stores.clock.now();
    let clock = Arc::new(ManualClock::new(now));
    let past = Stores {
        clock: clock.clone(),
        ..stores.clone()
    };
    let state = build_state(config, &past, Arc::new(merx_memory::LogMailer::new()), None)?;
    let variants = sellable(&state).await?;
    if variants.is_empty() {
        return Err(fail("the catalog has no active product to sell"));
    }
    let admin = OrderViewer {
        is_admin: true,
        ..OrderViewer::default()
    };
    let span = chrono::Duration::days(DAYS).num_seconds();
    let step = span / i64::try_from(n).unwrap_or(i64::MAX).max(1);
    for i in 0..n {
        let back =
            span - step * i64::try_from(i).unwrap_or(0) - i64::try_from(i % 7).unwrap_or(0) * 97;
        clock.set(now - chrono::Duration::seconds(back.max(1)));
        let (variant, currency) = variants[(i * 7 + i / variants.len()) % variants.len()];
        let quantity = i64::try_from(1 + i % 3).unwrap_or(1);
        state
            .inventory
            .adjust(
                variant,
                StockChange::Delta(quantity),
                "demo orders",
                &Author::System,
            )
            .await
            .map_err(fail)?;
        let placed = state
            .checkout
            .place(
                NewOrderRequest {
                    source: OrderSource::Items(vec![(variant, quantity)]),
                    email: Some(format!("demo-{}@example.com", i % 97)),
                    shipping_address: address(currency, i).ok_or_else(|| fail("no address"))?,
                    billing_address: None,
                    shipping_method: "standard".into(),
                    payment_method: "cash_on_delivery".into(),
                    discount_code: None,
                    notes: None,
                    tax_id: None,
                },
                &merx_cart::CartCaller::default(),
                None,
            )
            .await
            .map_err(fail)?;
        let id = placed.order.id;
        let fate = fate(i);
        let edit = |status: OrderStatus, paid: bool| OrderEdit {
            status: Some(status),
            payment_status: paid.then_some(PaymentStatus::Paid),
            ..OrderEdit::default()
        };
        match fate {
            Fate::LeftPending => {}
            Fate::Cancelled => {
                state
                    .checkout
                    .cancel(id, &admin, &Author::System)
                    .await
                    .map_err(fail)?;
            }
            _ => {
                state
                    .checkout
                    .edit_order(id, edit(OrderStatus::Confirmed, true), &Author::System)
                    .await
                    .map_err(fail)?;
            }
        }
        if matches!(fate, Fate::Shipped | Fate::Delivered) {
            clock.set(clock.now() + chrono::Duration::hours(20));
            state
                .checkout
                .edit_order(id, edit(OrderStatus::Processing, false), &Author::System)
                .await
                .map_err(fail)?;
            state
                .checkout
                .edit_order(id, edit(OrderStatus::Shipped, false), &Author::System)
                .await
                .map_err(fail)?;
        }
        if fate == Fate::Delivered {
            clock.set(clock.now() + chrono::Duration::days(2));
            state
                .checkout
                .edit_order(id, edit(OrderStatus::Delivered, false), &Author::System)
                .await
                .map_err(fail)?;
        }
        if matches!(fate, Fate::PartlyRefunded | Fate::Refunded) {
            clock.set(clock.now() + chrono::Duration::days(1));
            let amount = (fate == Fate::PartlyRefunded).then_some(placed.order.totals.total / 2);
            state
                .checkout
                .refund(
                    id,
                    RefundAsk {
                        amount,
                        reason: Some("demo".into()),
                        restock: false,
                    },
                    &Author::System,
                )
                .await
                .map_err(fail)?;
        }
        progress(1);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fate_comes_up_in_twenty_orders() {
        let fates: std::collections::HashSet<String> =
            (0..20).map(|i| format!("{:?}", fate(i))).collect();
        assert_eq!(fates.len(), 7);
    }

    #[test]
    fn each_demo_currency_has_an_address() {
        for c in [Currency::Usd, Currency::Krw, Currency::Jod] {
            assert!(address(c, 1).is_some(), "{c:?}");
        }
    }
}
