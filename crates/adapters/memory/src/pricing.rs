use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use merx_kernel::{AuditEntry, Page, PageRequest, StoreError};
use merx_pricing::{
    Discount, DiscountId, DiscountRepository, Edit, PricingError, Redemption, ShippingZone,
    ShippingZoneId, ShippingZoneRepository, TaxRate, TaxRateId, TaxRateRepository,
};

use crate::audit_log::writes_audit_log;
use crate::{MemoryAuditLog, lock};

writes_audit_log!(MemoryTaxRates, MemoryShippingZones, MemoryDiscounts);

#[derive(Debug, Default)]
pub struct MemoryTaxRates {
    state: Mutex<TaxState>,
    audit: MemoryAuditLog,
}

#[derive(Debug, Default)]
struct TaxState {
    rates: HashMap<TaxRateId, TaxRate>,
    defaults_claimed: bool,
}

fn clashes(all: &HashMap<TaxRateId, TaxRate>, rate: &TaxRate) -> bool {
    all.values()
        .any(|r| r.id != rate.id && r.country == rate.country && r.state == rate.state)
}

#[async_trait]
impl TaxRateRepository for MemoryTaxRates {
    async fn list(&self) -> Result<Vec<TaxRate>, StoreError> {
        let mut all: Vec<TaxRate> = lock(&self.state).rates.values().cloned().collect();
        all.sort_by(|a, b| (&a.country, &a.state).cmp(&(&b.country, &b.state)));
        Ok(all)
    }

    async fn find(&self, id: TaxRateId) -> Result<Option<TaxRate>, StoreError> {
        Ok(lock(&self.state).rates.get(&id).cloned())
    }

    async fn insert(&self, rate: &TaxRate, audit: Option<AuditEntry>) -> Result<(), PricingError> {
        let mut state = lock(&self.state);
        if clashes(&state.rates, rate) {
            return Err(PricingError::TaxRateTaken);
        }
        state.rates.insert(rate.id, rate.clone());
        self.audit.record(audit);
        Ok(())
    }

    async fn update_with<'e>(
        &self,
        id: TaxRateId,
        edit: &'e Edit<'e, TaxRate>,
    ) -> Result<Option<TaxRate>, PricingError> {
        // The state's lock is the rate's: held from the read to the write.
        let mut state = lock(&self.state);
        let Some(current) = state.rates.get(&id) else {
            return Ok(None);
        };
        let (rate, audit) = edit(current)?;
        let rate = TaxRate { id, ..rate };
        if clashes(&state.rates, &rate) {
            return Err(PricingError::TaxRateTaken);
        }
        state.rates.insert(id, rate.clone());
        self.audit.record(audit);
        Ok(Some(rate))
    }

    async fn delete(&self, id: TaxRateId, audit: Option<AuditEntry>) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let gone = state.rates.remove(&id).is_some();
        if gone {
            self.audit.record(audit);
        }
        Ok(gone)
    }

    async fn claim_defaults_install(&self) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        Ok(!std::mem::replace(&mut state.defaults_claimed, true))
    }
}

#[derive(Debug, Default)]
pub struct MemoryShippingZones {
    zones: Mutex<Vec<ShippingZone>>,
    audit: MemoryAuditLog,
}

#[async_trait]
impl ShippingZoneRepository for MemoryShippingZones {
    async fn list(&self) -> Result<Vec<ShippingZone>, StoreError> {
        let mut all = lock(&self.zones).clone();
        all.sort_by_key(|z| (z.created_at, z.id));
        Ok(all)
    }

    async fn find(&self, id: ShippingZoneId) -> Result<Option<ShippingZone>, StoreError> {
        Ok(lock(&self.zones).iter().find(|z| z.id == id).cloned())
    }

    async fn insert(
        &self,
        zone: &ShippingZone,
        audit: Option<AuditEntry>,
    ) -> Result<(), StoreError> {
        let mut zones = lock(&self.zones);
        zones.push(zone.clone());
        self.audit.record(audit);
        Ok(())
    }

    async fn update_with<'e>(
        &self,
        id: ShippingZoneId,
        edit: &'e Edit<'e, ShippingZone>,
    ) -> Result<Option<ShippingZone>, PricingError> {
        let mut zones = lock(&self.zones);
        let Some(stored) = zones.iter_mut().find(|z| z.id == id) else {
            return Ok(None);
        };
        let (zone, audit) = edit(stored)?;
        *stored = ShippingZone { id, ..zone };
        self.audit.record(audit);
        Ok(Some(stored.clone()))
    }

    async fn delete(
        &self,
        id: ShippingZoneId,
        audit: Option<AuditEntry>,
    ) -> Result<bool, StoreError> {
        let mut zones = lock(&self.zones);
        let before = zones.len();
        zones.retain(|z| z.id != id);
        let gone = zones.len() < before;
        if gone {
            self.audit.record(audit);
        }
        Ok(gone)
    }
}

#[derive(Debug, Default)]
pub struct MemoryDiscounts {
    discounts: Mutex<HashMap<DiscountId, Discount>>,
    /// (discount, order, customer) of every use.
    redemptions: Mutex<Vec<(DiscountId, String, String)>>,
    audit: MemoryAuditLog,
}

impl MemoryDiscounts {
    /// Whether the code, as it is now, has a use left for the customer
    /// ([`Discount::can_redeem`]); false when the code is gone. The checkout store calls this
    /// and [`Self::redeem`] under its own lock, so no other order counts a use in between.
    pub(crate) fn redeemable(&self, r: &Redemption) -> bool {
        let discounts = lock(&self.discounts);
        let redemptions = lock(&self.redemptions);
        let by_customer = redemptions
            .iter()
            .filter(|(id, _, c)| *id == r.discount_id && *c == r.customer)
            .count() as i64;
        discounts
            .get(&r.discount_id)
            .is_some_and(|d| d.can_redeem(by_customer))
    }

    /// Counts a use for `order`.
    pub(crate) fn redeem(&self, r: &Redemption, order: &str) {
        let mut discounts = lock(&self.discounts);
        if let Some(d) = discounts.get_mut(&r.discount_id) {
            d.times_used += 1;
        }
        lock(&self.redemptions).push((r.discount_id, order.to_owned(), r.customer.clone()));
    }

    /// Gives back the use an order counted, if it counted one.
    pub(crate) fn unredeem(&self, order: &str) {
        let mut discounts = lock(&self.discounts);
        let mut redemptions = lock(&self.redemptions);
        let Some(at) = redemptions.iter().position(|(_, o, _)| o == order) else {
            return;
        };
        let (id, _, _) = redemptions.remove(at);
        if let Some(d) = discounts.get_mut(&id) {
            d.times_used = (d.times_used - 1).max(0);
        }
    }
}

#[async_trait]
impl DiscountRepository for MemoryDiscounts {
    async fn insert(
        &self,
        discount: &Discount,
        audit: Option<AuditEntry>,
    ) -> Result<(), PricingError> {
        let mut discounts = lock(&self.discounts);
        if discounts.values().any(|d| d.code == discount.code) {
            return Err(PricingError::CodeTaken(discount.code.clone()));
        }
        discounts.insert(discount.id, discount.clone());
        self.audit.record(audit);
        Ok(())
    }

    async fn update_with<'e>(
        &self,
        id: DiscountId,
        edit: &'e Edit<'e, Discount>,
    ) -> Result<Option<Discount>, PricingError> {
        // Redemptions count uses under this same lock, so none is lost to the write.
        let mut discounts = lock(&self.discounts);
        let Some(current) = discounts.get(&id) else {
            return Ok(None);
        };
        let (edited, audit) = edit(current)?;
        let discount = Discount {
            id,
            times_used: current.times_used,
            ..edited
        };
        if discounts
            .values()
            .any(|d| d.code == discount.code && d.id != id)
        {
            return Err(PricingError::CodeTaken(discount.code));
        }
        discounts.insert(id, discount.clone());
        self.audit.record(audit);
        Ok(Some(discount))
    }

    async fn find(&self, id: DiscountId) -> Result<Option<Discount>, StoreError> {
        Ok(lock(&self.discounts).get(&id).cloned())
    }

    async fn find_by_code(&self, code: &str) -> Result<Option<Discount>, StoreError> {
        Ok(lock(&self.discounts)
            .values()
            .find(|d| d.code == code)
            .cloned())
    }

    async fn list(&self, page: PageRequest) -> Result<Page<Discount>, StoreError> {
        let mut all: Vec<Discount> = lock(&self.discounts).values().cloned().collect();
        all.sort_by_key(|d| std::cmp::Reverse((d.created_at, d.id)));
        Ok(Page::of_all(all, page))
    }

    async fn delete(&self, id: DiscountId, audit: Option<AuditEntry>) -> Result<bool, StoreError> {
        let mut discounts = lock(&self.discounts);
        let gone = discounts.remove(&id).is_some();
        if gone {
            self.audit.record(audit);
        }
        Ok(gone)
    }

    async fn uses_by_customer(&self, id: DiscountId, customer: &str) -> Result<i64, StoreError> {
        Ok(lock(&self.redemptions)
            .iter()
            .filter(|(d, _, c)| *d == id && c == customer)
            .count() as i64)
    }
}
