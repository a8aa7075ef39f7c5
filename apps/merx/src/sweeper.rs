//! The background sweeper: every `MERX_SWEEP_INTERVAL_SECS` it marks checkout sessions whose
//! time ran out expired, cancels orders left unpaid past their time (`payment_timeout`), and
//! deletes what has expired (stock reservations, carts, idempotency keys). Expired things already stopped counting when they expired, so
//! the sweep only tidies; every instance may run it, and running it twice deletes nothing twice.

use std::time::Duration;

use actix_web::web;

use crate::state::AppState;

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub unpaid_orders: u64,
    pub reservations: u64,
    pub carts: u64,
    pub idempotency_keys: u64,
}

/// One sweep. A failing part is logged; the next sweep tries again.
pub async fn sweep_once(state: &AppState) -> Swept {
    let mut swept = Swept::default();
    // Sessions and unpaid orders first: closing them frees their holds with them.
    match state.checkout.expire_sessions().await {
        Ok(n) => swept.sessions = n,
        Err(e) => tracing::warn!(error = %e, "expiring checkout sessions failed"),
    }
    match state.checkout.cancel_unpaid_orders().await {
        Ok(n) => swept.unpaid_orders = n,
        Err(e) => tracing::warn!(error = %e, "cancelling unpaid orders failed"),
    }
    match state.inventory.delete_expired_reservations().await {
        Ok(n) => swept.reservations = n,
        Err(e) => tracing::warn!(error = %e, "sweeping reservations failed"),
    }
    match state.carts.delete_expired().await {
        Ok(n) => swept.carts = n,
        Err(e) => tracing::warn!(error = %e, "sweeping carts failed"),
    }
    match state.idempotency.delete_expired(state.clock.now()).await {
        Ok(n) => swept.idempotency_keys = n,
        Err(e) => tracing::warn!(error = %e, "sweeping idempotency keys failed"),
    }
    if swept != Swept::default() {
        tracing::info!(
            sessions = swept.sessions,
            unpaid_orders = swept.unpaid_orders,
            reservations = swept.reservations,
            carts = swept.carts,
            idempotency_keys = swept.idempotency_keys,
            "expired data swept"
        );
    }
    swept
}

/// Sweeps every `interval` until the process ends.
pub fn spawn(state: web::Data<AppState>, interval: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            sweep_once(&state).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use merx_catalog::{Audience, ProductQuery};
    use merx_inventory::{ReservationLine, ReserveOutcome};

    use super::*;
    use crate::config::Config;
    use crate::wiring::{Stores, build_state};

    #[tokio::test]
    async fn a_sweep_deletes_expired_reservations_once() {
        let vars: HashMap<String, String> = HashMap::new();
        let config = Config::from_vars(&vars).expect("config");
        let state = build_state(
            &config,
            &Stores::memory(),
            Arc::new(merx_memory::LogMailer::new()),
            None,
        )
        .expect("state");
        crate::seed::seed(&state.catalog, 0)
            .await
            .expect("demo catalog");
        let page = state
            .catalog
            .list(ProductQuery::default(), Audience::Public)
            .await
            .expect("list");
        let variant = page
            .items
            .iter()
            .flat_map(|p| &p.levels)
            .find(|l| l.settings.track_inventory && l.available() > 0)
            .expect("a variant in stock")
            .variant_id;
        let line = [ReservationLine {
            variant_id: variant,
            quantity: 1,
        }];
        let held = state
            .inventory
            .reserve("checkout:sweep", &line, chrono::Duration::milliseconds(1))
            .await
            .expect("reserve");
        assert_eq!(held, ReserveOutcome::Reserved);
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(sweep_once(&state).await.reservations, 1);
        assert_eq!(sweep_once(&state).await, Swept::default());
    }
}
