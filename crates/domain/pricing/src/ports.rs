use async_trait::async_trait;
use merx_kernel::audit::AuditEntry;
use merx_kernel::{Page, PageRequest, StoreError};

use crate::{Discount, DiscountId, PricingError, ShippingZone, ShippingZoneId, TaxRate, TaxRateId};

/// A change to one stored row, decided in the domain ([`TaxRate::patched`] and its kind): given
/// the row as stored, read under the store's lock, the row to write in its place (the same id)
/// and the write's audit entry; or the error that refuses the change, and nothing is written.
/// Stores call it once per update, under their lock, and decide nothing themselves. (The
/// lifetime is spelled out so the mocks can take a borrowed closure.)
pub type Edit<'e, T> =
    dyn Fn(&T) -> Result<(T, Option<AuditEntry>), PricingError> + Send + Sync + 'e;

/// Tax rates, one per country or country + state.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TaxRateRepository: Send + Sync {
    /// Every rate, by country then state (country-wide first).
    async fn list(&self) -> Result<Vec<TaxRate>, StoreError>;

    async fn find(&self, id: TaxRateId) -> Result<Option<TaxRate>, StoreError>;

    /// Stores a rate, with the write's audit entry when given (so for every write below).
    ///
    /// # Errors
    /// [`PricingError::TaxRateTaken`] when the country + state has a rate (also under a race).
    async fn insert(&self, rate: &TaxRate, audit: Option<AuditEntry>) -> Result<(), PricingError>;

    /// Reads the rate under a lock held until the write, hands it to `edit` and writes what
    /// `edit` answers, with its audit entry, in one transaction: concurrent updates of one
    /// rate apply one after the other, each to what the one before wrote. Answers the rate
    /// written, or `None` (`edit` not called) when there is none with the id.
    ///
    /// # Errors
    /// The error `edit` answers (nothing is written); as for [`Self::insert`].
    async fn update_with<'e>(
        &self,
        id: TaxRateId,
        edit: &'e Edit<'e, TaxRate>,
    ) -> Result<Option<TaxRate>, PricingError>;

    async fn delete(&self, id: TaxRateId, audit: Option<AuditEntry>) -> Result<bool, StoreError>;

    /// True for exactly one caller over the store's whole life: that caller installs the
    /// shipped defaults. Later starts (any instance) leave an admin's tables alone, even
    /// empty ones.
    async fn claim_defaults_install(&self) -> Result<bool, StoreError>;
}

/// Shipping zones with their methods, stored whole.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ShippingZoneRepository: Send + Sync {
    /// Every zone, oldest first.
    async fn list(&self) -> Result<Vec<ShippingZone>, StoreError>;

    /// Every zone and every rate of `taxes` (as [`TaxRateRepository::list`] orders them), as
    /// one quote reads them: a store that holds both reads them in one round trip.
    async fn list_with_tax_rates(
        &self,
        taxes: std::sync::Arc<dyn TaxRateRepository>,
    ) -> Result<(Vec<TaxRate>, Vec<ShippingZone>), StoreError> {
        Ok((taxes.list().await?, self.list().await?))
    }

    async fn find(&self, id: ShippingZoneId) -> Result<Option<ShippingZone>, StoreError>;

    async fn insert(
        &self,
        zone: &ShippingZone,
        audit: Option<AuditEntry>,
    ) -> Result<(), StoreError>;

    /// Reads the zone under a lock held until the write, hands it to `edit` and writes what
    /// `edit` answers (methods included), with its audit entry, in one transaction: concurrent
    /// updates of one zone apply one after the other. Answers the zone written, or `None`
    /// (`edit` not called) when there is none with the id.
    ///
    /// # Errors
    /// The error `edit` answers (nothing is written); a storage failure.
    async fn update_with<'e>(
        &self,
        id: ShippingZoneId,
        edit: &'e Edit<'e, ShippingZone>,
    ) -> Result<Option<ShippingZone>, PricingError>;

    async fn delete(
        &self,
        id: ShippingZoneId,
        audit: Option<AuditEntry>,
    ) -> Result<bool, StoreError>;
}

/// Discount codes and their use.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DiscountRepository: Send + Sync {
    /// # Errors
    /// [`PricingError::CodeTaken`] when another discount has the code (also under a race).
    async fn insert(
        &self,
        discount: &Discount,
        audit: Option<AuditEntry>,
    ) -> Result<(), PricingError>;

    /// Reads the code under its row lock (the lock an order's redemption takes, so uses are
    /// counted before or after, never lost), hands it to `edit` and writes everything but
    /// `times_used` that `edit` answers, with its audit entry, in one transaction: concurrent
    /// updates of one code apply one after the other. Answers the code as written, or `None`
    /// (`edit` not called) when there is none with the id.
    ///
    /// # Errors
    /// The error `edit` answers (nothing is written); as for [`Self::insert`].
    async fn update_with<'e>(
        &self,
        id: DiscountId,
        edit: &'e Edit<'e, Discount>,
    ) -> Result<Option<Discount>, PricingError>;

    async fn find(&self, id: DiscountId) -> Result<Option<Discount>, StoreError>;

    /// By upper-case code.
    async fn find_by_code(&self, code: &str) -> Result<Option<Discount>, StoreError>;

    /// Newest first.
    async fn list(&self, page: PageRequest) -> Result<Page<Discount>, StoreError>;

    async fn delete(&self, id: DiscountId, audit: Option<AuditEntry>) -> Result<bool, StoreError>;

    /// How many orders of this customer (user id or e-mail) consumed the code.
    async fn uses_by_customer(&self, id: DiscountId, customer: &str) -> Result<i64, StoreError>;
}
