use std::sync::Arc;

use merx_kernel::audit::Author;
use merx_kernel::{Clock, Currency, Page, PageRequest};

use crate::audited::{Audited, changes};

use crate::{
    Destination, Discount, DiscountId, DiscountInput, DiscountPatch, DiscountRejection,
    DiscountRepository, MethodRate, PricingDefaults, PricingError, Quote, QuoteInput, QuoteLine,
    ShippingMethod, ShippingZone, ShippingZoneId, ShippingZoneInput, ShippingZonePatch,
    ShippingZoneRepository, TaxRate, TaxRateId, TaxRateInput, TaxRatePatch, TaxRateRepository,
    TaxTable, quote,
};

/// Who is buying, as far as prices care.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customer {
    /// User id or e-mail, for per-customer discount limits; `None` for an anonymous cart.
    pub key: Option<String>,
    /// A business customer's tax id (VAT number, 사업자등록번호…): exempt where allowed.
    pub tax_id: Option<String>,
}

impl Customer {
    /// Whether this buyer's tax id may exempt them when shipping to `country` (where the
    /// zone allows it): see [`crate::can_exempt`].
    #[must_use]
    pub fn may_be_exempt_in(&self, country: &str) -> bool {
        self.tax_id
            .as_deref()
            .is_some_and(|id| crate::can_exempt(country, id))
    }
}

/// Tax rates and shipping zones as one quote needs them.
#[derive(Debug, Clone, Default)]
pub struct PricingTables {
    pub taxes: TaxTable,
    pub zones: Vec<ShippingZone>,
}

impl PricingTables {
    /// The methods offered at the destination for a cart in `currency`, with their price
    /// lists, in the zone's order.
    #[must_use]
    pub fn methods_for(
        &self,
        to: &Destination,
        currency: Currency,
    ) -> Vec<(&ShippingMethod, &MethodRate)> {
        ShippingZone::for_destination(&self.zones, to)
            .map(|zone| {
                zone.methods
                    .iter()
                    .filter_map(|m| m.offered(to, currency).map(|r| (m, r)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// # Errors
    /// [`PricingError::ShippingUnavailable`] when the code is not offered there.
    pub fn method(
        &self,
        to: &Destination,
        currency: Currency,
        code: &str,
    ) -> Result<(&ShippingMethod, &MethodRate), PricingError> {
        let code = crate::method_code(code);
        self.methods_for(to, currency)
            .into_iter()
            .find(|(m, _)| m.code == code)
            .ok_or(PricingError::ShippingUnavailable(code))
    }
}

/// What to price: lines, where to, how, with which code, for whom.
#[derive(Debug, Clone)]
pub struct QuoteRequest<'a> {
    pub currency: Currency,
    pub lines: &'a [QuoteLine],
    pub destination: Option<&'a Destination>,
    pub shipping_method: Option<&'a str>,
    /// Already checked for this cart with [`PricingService::usable_discount`].
    pub discount: Option<&'a Discount>,
    pub customer: &'a Customer,
}

/// Tax rates, shipping zones and discount codes, and quotes from them.
pub struct PricingService {
    taxes: Arc<dyn TaxRateRepository>,
    zones: Arc<dyn ShippingZoneRepository>,
    discounts: Arc<dyn DiscountRepository>,
    clock: Arc<dyn Clock>,
    shop_currency: Currency,
}

impl PricingService {
    /// `shop_currency` is the shop's default (`MERX_CURRENCY`): amounts given without a
    /// currency are in it.
    #[must_use]
    pub fn new(
        taxes: Arc<dyn TaxRateRepository>,
        zones: Arc<dyn ShippingZoneRepository>,
        discounts: Arc<dyn DiscountRepository>,
        clock: Arc<dyn Clock>,
        shop_currency: Currency,
    ) -> Self {
        Self {
            taxes,
            zones,
            discounts,
            clock,
            shop_currency,
        }
    }

    /// Installs the shipped defaults when this store never had them. True when it did.
    ///
    /// # Errors
    /// A default that does not validate (a broken file), or a storage failure.
    pub async fn install_defaults(&self, defaults: PricingDefaults) -> Result<bool, PricingError> {
        // Validate everything before claiming, so a broken file is reported, not half-loaded.
        let rates = defaults
            .tax_rates
            .into_iter()
            .map(TaxRateInput::normalized)
            .collect::<Result<Vec<_>, _>>()?;
        let zones = defaults
            .shipping_zones
            .into_iter()
            .map(ShippingZoneInput::normalized)
            .collect::<Result<Vec<_>, _>>()?;
        if !self.taxes.claim_defaults_install().await? {
            return Ok(false);
        }
        for rate in rates {
            match self.create_tax_rate(rate, &Author::System).await {
                Ok(_) | Err(PricingError::TaxRateTaken) => {}
                Err(e) => return Err(e),
            }
        }
        for zone in zones {
            self.create_zone(zone, &Author::System).await?;
        }
        Ok(true)
    }

    /// # Errors
    /// Storage failure.
    pub async fn tables(&self) -> Result<PricingTables, PricingError> {
        let (rates, zones) = self.zones.list_with_tax_rates(self.taxes.clone()).await?;
        Ok(PricingTables {
            taxes: TaxTable { rates },
            zones,
        })
    }

    /// Prices lines against the current tables.
    ///
    /// # Errors
    /// [`PricingError::ShippingUnavailable`] for a method not offered at the destination (or
    /// any method without a destination); the errors of [`quote`].
    pub async fn quote(&self, request: &QuoteRequest<'_>) -> Result<Quote, PricingError> {
        let tables = self.tables().await?;
        Self::quote_with(&tables, request)
    }

    /// [`Self::quote`] with tables already loaded.
    ///
    /// # Errors
    /// As for [`Self::quote`].
    pub fn quote_with(
        tables: &PricingTables,
        request: &QuoteRequest<'_>,
    ) -> Result<Quote, PricingError> {
        let shipping = match (request.shipping_method, request.destination) {
            (Some(code), Some(to)) => Some(tables.method(to, request.currency, code)?),
            (Some(code), None) => return Err(PricingError::ShippingUnavailable(code.to_owned())),
            (None, _) => None,
        };
        let tax = match request.destination {
            Some(to) => tables.taxes.rate_at(to)?,
            None => None,
        };
        quote(&QuoteInput {
            currency: request.currency,
            lines: request.lines,
            discount: request.discount,
            shipping,
            tax,
            business_tax_id: request
                .destination
                .is_some_and(|to| request.customer.may_be_exempt_in(&to.country)),
        })
    }

    /// The code, when it can discount a cart of `subtotal` in `currency` for this customer.
    ///
    /// # Errors
    /// [`PricingError::Discount`] with the reason it cannot.
    pub async fn usable_discount(
        &self,
        code: &str,
        currency: Currency,
        subtotal: i64,
        customer: &Customer,
    ) -> Result<Discount, PricingError> {
        let discount = self
            .discounts
            .find_by_code(&code.trim().to_uppercase())
            .await?
            .ok_or(DiscountRejection::Unknown)?;
        let used = match (&customer.key, discount.usage_limit_per_customer) {
            (Some(key), Some(_)) => Some(self.discounts.uses_by_customer(discount.id, key).await?),
            _ => None,
        };
        discount.check(self.clock.now(), currency, subtotal, used)?;
        Ok(discount)
    }

    // --- admin: tax rates ---

    /// # Errors
    /// Storage failure.
    pub async fn tax_rates(&self) -> Result<Vec<TaxRate>, PricingError> {
        Ok(self.taxes.list().await?)
    }

    /// # Errors
    /// [`PricingError::NotFound`].
    pub async fn tax_rate(&self, id: TaxRateId) -> Result<TaxRate, PricingError> {
        self.taxes.find(id).await?.ok_or(PricingError::NotFound)
    }

    /// # Errors
    /// Validation; [`PricingError::TaxRateTaken`].
    pub async fn create_tax_rate(
        &self,
        input: TaxRateInput,
        by: &Author,
    ) -> Result<TaxRate, PricingError> {
        let now = self.clock.now();
        let rate = input.normalized()?.into_rate(TaxRateId::new(), now, now);
        let audit = self.entry(by, "tax_rate.create", None, Some(&rate));
        self.taxes.insert(&rate, audit).await?;
        Ok(rate)
    }

    /// Changes the fields `patch` sends ([`TaxRate::patched`]) of the rate as stored at that
    /// moment: one update of the store, so a concurrent change of other fields is kept.
    ///
    /// # Errors
    /// Validation of the result; [`PricingError::NotFound`]; [`PricingError::TaxRateTaken`].
    pub async fn update_tax_rate(
        &self,
        id: TaxRateId,
        patch: &TaxRatePatch,
        by: &Author,
    ) -> Result<TaxRate, PricingError> {
        let now = self.clock.now();
        let edit = |current: &TaxRate| {
            let rate = current.patched(patch, now)?;
            let audit = self.entry(by, "tax_rate.update", Some(current), Some(&rate));
            Ok((rate, audit))
        };
        self.taxes
            .update_with(id, &edit)
            .await?
            .ok_or(PricingError::NotFound)
    }

    /// # Errors
    /// [`PricingError::NotFound`].
    pub async fn delete_tax_rate(&self, id: TaxRateId, by: &Author) -> Result<(), PricingError> {
        let current = self.tax_rate(id).await?;
        let audit = self.entry(by, "tax_rate.delete", Some(&current), None);
        if self.taxes.delete(id, audit).await? {
            Ok(())
        } else {
            Err(PricingError::NotFound)
        }
    }

    // --- admin: shipping zones ---

    /// # Errors
    /// Storage failure.
    pub async fn zones(&self) -> Result<Vec<ShippingZone>, PricingError> {
        Ok(self.zones.list().await?)
    }

    /// # Errors
    /// [`PricingError::NotFound`].
    pub async fn zone(&self, id: ShippingZoneId) -> Result<ShippingZone, PricingError> {
        self.zones.find(id).await?.ok_or(PricingError::NotFound)
    }

    /// # Errors
    /// Validation.
    pub async fn create_zone(
        &self,
        input: ShippingZoneInput,
        by: &Author,
    ) -> Result<ShippingZone, PricingError> {
        let now = self.clock.now();
        let zone = input
            .normalized()?
            .into_zone(ShippingZoneId::new(), now, now);
        let audit = self.entry(by, "shipping_zone.create", None, Some(&zone));
        self.zones.insert(&zone, audit).await?;
        Ok(zone)
    }

    /// Changes the fields `patch` sends ([`ShippingZone::patched`]) of the zone as stored at
    /// that moment: one update of the store, so a concurrent change of other fields is kept.
    ///
    /// # Errors
    /// Validation of the result; [`PricingError::NotFound`].
    pub async fn update_zone(
        &self,
        id: ShippingZoneId,
        patch: &ShippingZonePatch,
        by: &Author,
    ) -> Result<ShippingZone, PricingError> {
        let now = self.clock.now();
        let edit = |current: &ShippingZone| {
            let zone = current.patched(patch, now)?;
            let audit = self.entry(by, "shipping_zone.update", Some(current), Some(&zone));
            Ok((zone, audit))
        };
        self.zones
            .update_with(id, &edit)
            .await?
            .ok_or(PricingError::NotFound)
    }

    /// # Errors
    /// [`PricingError::NotFound`].
    pub async fn delete_zone(&self, id: ShippingZoneId, by: &Author) -> Result<(), PricingError> {
        let current = self.zone(id).await?;
        let audit = self.entry(by, "shipping_zone.delete", Some(&current), None);
        if self.zones.delete(id, audit).await? {
            Ok(())
        } else {
            Err(PricingError::NotFound)
        }
    }

    // --- admin: discount codes ---

    /// # Errors
    /// Storage failure.
    pub async fn discounts(&self, page: PageRequest) -> Result<Page<Discount>, PricingError> {
        Ok(self.discounts.list(page).await?)
    }

    /// # Errors
    /// [`PricingError::NotFound`].
    pub async fn discount(&self, id: DiscountId) -> Result<Discount, PricingError> {
        self.discounts.find(id).await?.ok_or(PricingError::NotFound)
    }

    /// # Errors
    /// Validation; [`PricingError::CodeTaken`].
    pub async fn create_discount(
        &self,
        input: &DiscountInput,
        by: &Author,
    ) -> Result<Discount, PricingError> {
        let now = self.clock.now();
        let discount =
            input
                .validate(self.shop_currency)?
                .into_discount(DiscountId::new(), 0, now, now);
        let audit = self.entry(by, "discount.create", None, Some(&discount));
        self.discounts.insert(&discount, audit).await?;
        Ok(discount)
    }

    /// Changes the fields `patch` sends ([`Discount::patched`]) of the code as stored at that
    /// moment: one update of the store, so a concurrent change of other fields (or a use
    /// counted meanwhile) is kept.
    ///
    /// # Errors
    /// Validation of the result; [`PricingError::NotFound`]; [`PricingError::CodeTaken`].
    pub async fn update_discount(
        &self,
        id: DiscountId,
        patch: &DiscountPatch,
        by: &Author,
    ) -> Result<Discount, PricingError> {
        let now = self.clock.now();
        let edit = |current: &Discount| {
            let discount = current.patched(patch, self.shop_currency, now)?;
            let audit = self.entry(by, "discount.update", Some(current), Some(&discount));
            Ok((discount, audit))
        };
        self.discounts
            .update_with(id, &edit)
            .await?
            .ok_or(PricingError::NotFound)
    }

    /// # Errors
    /// [`PricingError::NotFound`].
    pub async fn delete_discount(&self, id: DiscountId, by: &Author) -> Result<(), PricingError> {
        let current = self.discount(id).await?;
        let audit = self.entry(by, "discount.delete", Some(&current), None);
        if self.discounts.delete(id, audit).await? {
            Ok(())
        } else {
            Err(PricingError::NotFound)
        }
    }
}

impl PricingService {
    fn entry<T: Audited>(
        &self,
        by: &Author,
        action: &str,
        before: Option<&T>,
        after: Option<&T>,
    ) -> Option<merx_kernel::AuditEntry> {
        let target = after.or(before)?.target();
        by.entry(action, target, changes(before, after), self.clock.now())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};
    use merx_kernel::ManualClock;
    use merx_kernel::audit::Actor;

    use super::*;
    use crate::{
        DiscountValue, MockDiscountRepository, MockShippingZoneRepository, MockTaxRateRepository,
    };

    fn save20(at: merx_kernel::Timestamp) -> Discount {
        Discount {
            id: DiscountId::new(),
            code: "SAVE20".into(),
            value: DiscountValue::Percentage(20),
            currency: None,
            minimum_order_amount: None,
            usage_limit: Some(10),
            usage_limit_per_customer: None,
            times_used: 3,
            starts_at: None,
            ends_at: None,
            is_active: true,
            created_at: at,
            updated_at: at,
        }
    }

    fn pricing(discounts: MockDiscountRepository, clock: Arc<ManualClock>) -> PricingService {
        PricingService::new(
            Arc::new(MockTaxRateRepository::new()),
            Arc::new(MockShippingZoneRepository::new()),
            Arc::new(discounts),
            clock,
            Currency::Usd,
        )
    }

    /// A store that holds `stored` and applies every edit to it, as the real ones do under
    /// their lock; the audit entries it was handed go to `audits`.
    fn holding(
        stored: Discount,
        audits: Arc<std::sync::Mutex<Vec<merx_kernel::AuditEntry>>>,
    ) -> MockDiscountRepository {
        let mut discounts = MockDiscountRepository::new();
        discounts.expect_update_with().returning(move |id, edit| {
            if id != stored.id {
                return Ok(None);
            }
            let (written, audit) = edit(&stored)?;
            audits.lock().expect("audits").extend(audit);
            Ok(Some(written))
        });
        discounts
    }

    #[tokio::test]
    async fn a_patch_changes_the_stored_code_in_the_stores_one_update_with_its_audit_entry() {
        let at = Utc::now();
        let clock = Arc::new(ManualClock::new(at + Duration::hours(1)));
        let stored = save20(at);
        let audits = Arc::default();
        let service = pricing(holding(stored.clone(), Arc::clone(&audits)), clock.clone());
        let by = Author::caller(Actor::user("admin-1"), "req-1");
        let patch = DiscountPatch {
            is_active: Some(false),
            ..DiscountPatch::default()
        };

        let updated = service
            .update_discount(stored.id, &patch, &by)
            .await
            .expect("updated");

        assert_eq!(
            updated,
            Discount {
                is_active: false,
                updated_at: clock.now(),
                ..stored.clone()
            },
            "the uses counted and every field not sent are the stored ones"
        );
        let audits = audits.lock().expect("audits");
        assert_eq!(audits.len(), 1);
        assert_eq!(audits[0].action, "discount.update");
        assert_eq!(
            audits[0].changes,
            merx_kernel::audit::Changes::field("is_active", true, false)
        );
    }

    #[tokio::test]
    async fn a_patch_of_no_code_is_not_found_and_an_invalid_result_is_refused() {
        let at = Utc::now();
        let stored = save20(at);
        let audits = Arc::default();
        let service = pricing(
            holding(stored.clone(), Arc::clone(&audits)),
            Arc::new(ManualClock::new(at)),
        );
        let patch = DiscountPatch {
            value: Some(0),
            ..DiscountPatch::default()
        };
        assert_eq!(
            service
                .update_discount(DiscountId::new(), &patch, &Author::System)
                .await,
            Err(PricingError::NotFound)
        );
        let Err(PricingError::Validation(v)) = service
            .update_discount(stored.id, &patch, &Author::System)
            .await
        else {
            panic!("a percentage of 0 is refused");
        };
        assert_eq!(v.fields[0].field, "value");
        assert!(audits.lock().expect("audits").is_empty());
    }
}
