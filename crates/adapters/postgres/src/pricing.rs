//! Tax rates, shipping zones and discount codes in Postgres.

use async_trait::async_trait;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use merx_kernel::AuditEntry;
use merx_kernel::{Currency, Page, PageRequest, StoreError, Timestamp};
use merx_pricing::{
    Discount, DiscountId, DiscountRepository, DiscountValue, Edit, PricingError, Rate, Redemption,
    ShippingMethod, ShippingZone, ShippingZoneId, ShippingZoneRepository, TaxRate, TaxRateId,
    TaxRateRepository,
};

use crate::audit_log::record;
use crate::database::{PgPool, conn};
use crate::error::{is_unique_violation, store_error};
use crate::schema::{
    discount_redemptions, discounts, pricing_defaults_installs, shipping_zones, tax_rates,
};

#[derive(Queryable, Selectable, Insertable, AsChangeset, serde::Deserialize)]
#[diesel(table_name = tax_rates, check_for_backend(Pg), treat_none_as_null = true)]
struct TaxRateRow {
    id: uuid::Uuid,
    country: String,
    state: Option<String>,
    name: String,
    rate_ppm: i32,
    tax_shipping: bool,
    business_exemption: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl TaxRateRow {
    fn of(r: &TaxRate) -> Self {
        Self {
            id: *r.id.as_uuid(),
            country: r.country.clone(),
            state: r.state.clone(),
            name: r.name.clone(),
            rate_ppm: i32::try_from(r.rate.ppm()).unwrap_or(i32::MAX),
            tax_shipping: r.tax_shipping,
            business_exemption: r.business_exemption,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }

    fn into_domain(self) -> Result<TaxRate, StoreError> {
        let rate = u32::try_from(self.rate_ppm)
            .ok()
            .and_then(|ppm| Rate::from_ppm(ppm).ok())
            .ok_or_else(|| StoreError::message(format!("bad rate_ppm {}", self.rate_ppm)))?;
        Ok(TaxRate {
            id: TaxRateId::from_uuid(self.id),
            country: self.country,
            state: self.state,
            name: self.name,
            rate,
            tax_shipping: self.tax_shipping,
            business_exemption: self.business_exemption,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

fn tax_error(e: diesel::result::Error) -> PricingError {
    if is_unique_violation(&e, "tax_rates_zone_key") {
        PricingError::TaxRateTaken
    } else {
        PricingError::Store(store_error(e))
    }
}

/// Why an `update_with` transaction rolled back: the database failed, or the edit (or reading
/// the row for it) refused.
enum EditFailed {
    Db(DbError),
    Refused(PricingError),
}

impl From<DbError> for EditFailed {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

impl EditFailed {
    /// The port's error: a database failure through `db` (which tells a unique violation).
    fn into_pricing(self, db: impl FnOnce(DbError) -> PricingError) -> PricingError {
        match self {
            Self::Db(e) => db(e),
            Self::Refused(e) => e,
        }
    }
}

#[derive(Clone)]
pub struct PgTaxRates {
    pool: PgPool,
}

impl PgTaxRates {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl TaxRateRepository for PgTaxRates {
    async fn list(&self) -> Result<Vec<TaxRate>, StoreError> {
        let mut c = conn(&self.pool).await?;
        tax_rates::table
            .order((tax_rates::country, tax_rates::state.asc().nulls_first()))
            .select(TaxRateRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(TaxRateRow::into_domain)
            .collect()
    }

    async fn find(&self, id: TaxRateId) -> Result<Option<TaxRate>, StoreError> {
        let mut c = conn(&self.pool).await?;
        tax_rates::table
            .find(*id.as_uuid())
            .select(TaxRateRow::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?
            .map(TaxRateRow::into_domain)
            .transpose()
    }

    async fn insert(&self, rate: &TaxRate, audit: Option<AuditEntry>) -> Result<(), PricingError> {
        let mut c = conn(&self.pool).await?;
        let row = TaxRateRow::of(rate);
        c.transaction::<_, DbError, _>(async move |tx| {
            diesel::insert_into(tax_rates::table)
                .values(row)
                .execute(tx)
                .await?;
            record(tx, audit).await
        })
        .await
        .map_err(tax_error)
    }

    async fn update_with<'e>(
        &self,
        id: TaxRateId,
        edit: &'e Edit<'e, TaxRate>,
    ) -> Result<Option<TaxRate>, PricingError> {
        let mut c = conn(&self.pool).await?;
        let key = *id.as_uuid();
        c.transaction::<_, EditFailed, _>(async move |tx| {
            let row: Option<TaxRateRow> = tax_rates::table
                .find(key)
                .select(TaxRateRow::as_select())
                .for_update()
                .first(tx)
                .await
                .optional()?;
            let Some(row) = row else {
                return Ok(None);
            };
            let current = row
                .into_domain()
                .map_err(|e| EditFailed::Refused(e.into()))?;
            let (rate, audit) = edit(&current).map_err(EditFailed::Refused)?;
            let rate = TaxRate { id, ..rate };
            diesel::update(tax_rates::table.find(key))
                .set(TaxRateRow::of(&rate))
                .execute(tx)
                .await?;
            record(tx, audit).await?;
            Ok(Some(rate))
        })
        .await
        .map_err(|e| e.into_pricing(tax_error))
    }

    async fn delete(&self, id: TaxRateId, audit: Option<AuditEntry>) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            let n = diesel::delete(tax_rates::table.find(*id.as_uuid()))
                .execute(tx)
                .await?;
            crate::audit_log::recorded_if_one(tx, n, audit).await
        })
        .await
        .map_err(store_error)
    }

    async fn claim_defaults_install(&self) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n = diesel::insert_into(pricing_defaults_installs::table)
            .values(pricing_defaults_installs::id.eq(1_i16))
            .on_conflict_do_nothing()
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(n == 1)
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, serde::Deserialize)]
#[diesel(table_name = shipping_zones, check_for_backend(Pg))]
struct ZoneRow {
    id: uuid::Uuid,
    name: String,
    countries: Vec<String>,
    states: Vec<String>,
    methods: serde_json::Value,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl ZoneRow {
    fn of(z: &ShippingZone) -> Result<Self, StoreError> {
        Ok(Self {
            id: *z.id.as_uuid(),
            name: z.name.clone(),
            countries: z.countries.clone(),
            states: z.states.clone(),
            methods: serde_json::to_value(&z.methods).map_err(StoreError::other)?,
            created_at: z.created_at,
            updated_at: z.updated_at,
        })
    }

    fn into_domain(self) -> Result<ShippingZone, StoreError> {
        let methods: Vec<ShippingMethod> =
            serde_json::from_value(self.methods).map_err(StoreError::other)?;
        Ok(ShippingZone {
            id: ShippingZoneId::from_uuid(self.id),
            name: self.name,
            countries: self.countries,
            states: self.states,
            methods,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Clone)]
pub struct PgShippingZones {
    pool: PgPool,
}

impl PgShippingZones {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl ShippingZoneRepository for PgShippingZones {
    async fn list(&self) -> Result<Vec<ShippingZone>, StoreError> {
        let mut c = conn(&self.pool).await?;
        shipping_zones::table
            .order((shipping_zones::created_at, shipping_zones::id))
            .select(ZoneRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(ZoneRow::into_domain)
            .collect()
    }

    async fn list_with_tax_rates(
        &self,
        _taxes: std::sync::Arc<dyn TaxRateRepository>,
    ) -> Result<(Vec<TaxRate>, Vec<ShippingZone>), StoreError> {
        // Both tables live in this database: one statement, in the two lists' orders.
        #[derive(QueryableByName)]
        struct Tables {
            #[diesel(sql_type = diesel::sql_types::Jsonb)]
            taxes: serde_json::Value,
            #[diesel(sql_type = diesel::sql_types::Jsonb)]
            zones: serde_json::Value,
        }
        let mut c = conn(&self.pool).await?;
        let t: Tables = diesel::sql_query(
            "SELECT (SELECT COALESCE(jsonb_agg(to_jsonb(t) \
                         ORDER BY t.country, t.state ASC NULLS FIRST), '[]') FROM tax_rates t) AS taxes, \
                    (SELECT COALESCE(jsonb_agg(to_jsonb(z) ORDER BY z.created_at, z.id), '[]') \
                         FROM shipping_zones z) AS zones",
        )
        .get_result(&mut c)
        .await
        .map_err(store_error)?;
        let taxes: Vec<TaxRateRow> = serde_json::from_value(t.taxes).map_err(StoreError::other)?;
        let zones: Vec<ZoneRow> = serde_json::from_value(t.zones).map_err(StoreError::other)?;
        Ok((
            taxes
                .into_iter()
                .map(TaxRateRow::into_domain)
                .collect::<Result<_, _>>()?,
            zones
                .into_iter()
                .map(ZoneRow::into_domain)
                .collect::<Result<_, _>>()?,
        ))
    }

    async fn find(&self, id: ShippingZoneId) -> Result<Option<ShippingZone>, StoreError> {
        let mut c = conn(&self.pool).await?;
        shipping_zones::table
            .find(*id.as_uuid())
            .select(ZoneRow::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?
            .map(ZoneRow::into_domain)
            .transpose()
    }

    async fn insert(
        &self,
        zone: &ShippingZone,
        audit: Option<AuditEntry>,
    ) -> Result<(), StoreError> {
        let row = ZoneRow::of(zone)?;
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            diesel::insert_into(shipping_zones::table)
                .values(row)
                .execute(tx)
                .await?;
            record(tx, audit).await
        })
        .await
        .map_err(store_error)
    }

    async fn update_with<'e>(
        &self,
        id: ShippingZoneId,
        edit: &'e Edit<'e, ShippingZone>,
    ) -> Result<Option<ShippingZone>, PricingError> {
        let mut c = conn(&self.pool).await?;
        let key = *id.as_uuid();
        c.transaction::<_, EditFailed, _>(async move |tx| {
            let row: Option<ZoneRow> = shipping_zones::table
                .find(key)
                .select(ZoneRow::as_select())
                .for_update()
                .first(tx)
                .await
                .optional()?;
            let Some(row) = row else {
                return Ok(None);
            };
            let refused = |e: StoreError| EditFailed::Refused(e.into());
            let current = row.into_domain().map_err(refused)?;
            let (zone, audit) = edit(&current).map_err(EditFailed::Refused)?;
            let zone = ShippingZone { id, ..zone };
            diesel::update(shipping_zones::table.find(key))
                .set(ZoneRow::of(&zone).map_err(refused)?)
                .execute(tx)
                .await?;
            record(tx, audit).await?;
            Ok(Some(zone))
        })
        .await
        .map_err(|e| e.into_pricing(|e| PricingError::Store(store_error(e))))
    }

    async fn delete(
        &self,
        id: ShippingZoneId,
        audit: Option<AuditEntry>,
    ) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            let n = diesel::delete(shipping_zones::table.find(*id.as_uuid()))
                .execute(tx)
                .await?;
            crate::audit_log::recorded_if_one(tx, n, audit).await
        })
        .await
        .map_err(store_error)
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = discounts, check_for_backend(Pg))]
struct DiscountRow {
    id: uuid::Uuid,
    code: String,
    kind: String,
    value: i64,
    currency: Option<String>,
    minimum_order_amount: Option<i64>,
    usage_limit: Option<i64>,
    usage_limit_per_customer: Option<i64>,
    times_used: i64,
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    is_active: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// Every column an update may change (`times_used` and `created_at` stay).
#[derive(AsChangeset)]
#[diesel(table_name = discounts, treat_none_as_null = true)]
struct DiscountChanges {
    code: String,
    kind: String,
    value: i64,
    currency: Option<String>,
    minimum_order_amount: Option<i64>,
    usage_limit: Option<i64>,
    usage_limit_per_customer: Option<i64>,
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    is_active: bool,
    updated_at: Timestamp,
}

impl DiscountChanges {
    fn of(d: &Discount) -> Self {
        let (kind, value) = kind_value(d.value);
        Self {
            code: d.code.clone(),
            kind,
            value,
            currency: d.currency.map(|c| c.code().to_owned()),
            minimum_order_amount: d.minimum_order_amount,
            usage_limit: d.usage_limit,
            usage_limit_per_customer: d.usage_limit_per_customer,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            is_active: d.is_active,
            updated_at: d.updated_at,
        }
    }
}

fn kind_value(v: DiscountValue) -> (String, i64) {
    match v {
        DiscountValue::Percentage(p) => ("percentage".into(), i64::from(p)),
        DiscountValue::FixedAmount(a) => ("fixed_amount".into(), a),
    }
}

impl DiscountRow {
    fn of(d: &Discount) -> Self {
        let (kind, value) = kind_value(d.value);
        Self {
            id: *d.id.as_uuid(),
            code: d.code.clone(),
            kind,
            value,
            currency: d.currency.map(|c| c.code().to_owned()),
            minimum_order_amount: d.minimum_order_amount,
            usage_limit: d.usage_limit,
            usage_limit_per_customer: d.usage_limit_per_customer,
            times_used: d.times_used,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            is_active: d.is_active,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }

    fn into_domain(self) -> Result<Discount, StoreError> {
        let value = match self.kind.as_str() {
            "percentage" => {
                DiscountValue::Percentage(u32::try_from(self.value).map_err(StoreError::other)?)
            }
            "fixed_amount" => DiscountValue::FixedAmount(self.value),
            other => {
                return Err(StoreError::message(format!(
                    "unknown discount kind `{other}`"
                )));
            }
        };
        let currency = self
            .currency
            .map(|c| c.parse::<Currency>())
            .transpose()
            .map_err(StoreError::other)?;
        Ok(Discount {
            id: DiscountId::from_uuid(self.id),
            code: self.code,
            value,
            currency,
            minimum_order_amount: self.minimum_order_amount,
            usage_limit: self.usage_limit,
            usage_limit_per_customer: self.usage_limit_per_customer,
            times_used: self.times_used,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            is_active: self.is_active,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

fn discount_error(e: diesel::result::Error, code: &str) -> PricingError {
    if is_unique_violation(&e, "discounts_code_key") {
        PricingError::CodeTaken(code.to_owned())
    } else {
        PricingError::Store(store_error(e))
    }
}

type DbError = diesel::result::Error;

/// Counts a use of the code for `order` inside the caller's transaction, when the code as it
/// is now (read under its row lock, which orders concurrent uses) has one left for the
/// customer by [`Discount::can_redeem`]; false, counting nothing, otherwise or when the code
/// is gone.
pub(crate) async fn redeem(
    tx: &mut AsyncPgConnection,
    r: &Redemption,
    order: &str,
    at: Timestamp,
) -> Result<bool, DbError> {
    let id = *r.discount_id.as_uuid();
    let row: Option<DiscountRow> = discounts::table
        .find(id)
        .select(DiscountRow::as_select())
        .for_update()
        .first(tx)
        .await
        .optional()?;
    let Some(row) = row else {
        return Ok(false);
    };
    let discount = row
        .into_domain()
        .map_err(|e| DbError::DeserializationError(e.to_string().into()))?;
    let used: i64 = discount_redemptions::table
        .filter(discount_redemptions::discount_id.eq(id))
        .filter(discount_redemptions::customer.eq(&r.customer))
        .count()
        .get_result(tx)
        .await?;
    if !discount.can_redeem(used) {
        return Ok(false);
    }
    diesel::update(discounts::table.find(id))
        .set(discounts::times_used.eq(discounts::times_used + 1))
        .execute(tx)
        .await?;
    diesel::insert_into(discount_redemptions::table)
        .values((
            discount_redemptions::discount_id.eq(id),
            discount_redemptions::order_ref.eq(order),
            discount_redemptions::customer.eq(&r.customer),
            discount_redemptions::redeemed_at.eq(at),
        ))
        .execute(tx)
        .await?;
    Ok(true)
}

/// Gives back the use `order` counted, if it counted one, inside the caller's transaction.
pub(crate) async fn unredeem(tx: &mut AsyncPgConnection, order: &str) -> Result<(), DbError> {
    let codes: Vec<uuid::Uuid> = diesel::delete(
        discount_redemptions::table.filter(discount_redemptions::order_ref.eq(order)),
    )
    .returning(discount_redemptions::discount_id)
    .get_results(tx)
    .await?;
    for code in codes {
        diesel::update(
            discounts::table
                .find(code)
                .filter(discounts::times_used.gt(0)),
        )
        .set(discounts::times_used.eq(discounts::times_used - 1))
        .execute(tx)
        .await?;
    }
    Ok(())
}

#[derive(Clone)]
pub struct PgDiscounts {
    pool: PgPool,
}

impl PgDiscounts {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl DiscountRepository for PgDiscounts {
    async fn insert(
        &self,
        discount: &Discount,
        audit: Option<AuditEntry>,
    ) -> Result<(), PricingError> {
        let mut c = conn(&self.pool).await?;
        let row = DiscountRow::of(discount);
        c.transaction::<_, DbError, _>(async move |tx| {
            diesel::insert_into(discounts::table)
                .values(row)
                .execute(tx)
                .await?;
            record(tx, audit).await
        })
        .await
        .map_err(|e| discount_error(e, &discount.code))
    }

    async fn update_with<'e>(
        &self,
        id: DiscountId,
        edit: &'e Edit<'e, Discount>,
    ) -> Result<Option<Discount>, PricingError> {
        let mut c = conn(&self.pool).await?;
        let key = *id.as_uuid();
        c.transaction::<_, EditFailed, _>(async move |tx| {
            // The row lock an order's redemption takes: a use is counted before or after.
            let row: Option<DiscountRow> = discounts::table
                .find(key)
                .select(DiscountRow::as_select())
                .for_update()
                .first(tx)
                .await
                .optional()?;
            let Some(row) = row else {
                return Ok(None);
            };
            let current = row
                .into_domain()
                .map_err(|e| EditFailed::Refused(e.into()))?;
            let (edited, audit) = edit(&current).map_err(EditFailed::Refused)?;
            let discount = Discount {
                id,
                times_used: current.times_used,
                ..edited
            };
            diesel::update(discounts::table.find(key))
                .set(DiscountChanges::of(&discount))
                .execute(tx)
                .await
                .map_err(|e| EditFailed::Refused(discount_error(e, &discount.code)))?;
            record(tx, audit).await?;
            Ok(Some(discount))
        })
        .await
        .map_err(|e| e.into_pricing(|e| PricingError::Store(store_error(e))))
    }

    async fn find(&self, id: DiscountId) -> Result<Option<Discount>, StoreError> {
        let mut c = conn(&self.pool).await?;
        discounts::table
            .find(*id.as_uuid())
            .select(DiscountRow::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?
            .map(DiscountRow::into_domain)
            .transpose()
    }

    async fn find_by_code(&self, code: &str) -> Result<Option<Discount>, StoreError> {
        let mut c = conn(&self.pool).await?;
        discounts::table
            .filter(discounts::code.eq(code))
            .select(DiscountRow::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?
            .map(DiscountRow::into_domain)
            .transpose()
    }

    async fn list(&self, page: PageRequest) -> Result<Page<Discount>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let total: i64 = discounts::table
            .count()
            .get_result(&mut c)
            .await
            .map_err(store_error)?;
        let rows: Vec<DiscountRow> = discounts::table
            .order((discounts::created_at.desc(), discounts::id.desc()))
            .limit(i64::from(page.page_size()))
            .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
            .select(DiscountRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        let items = rows
            .into_iter()
            .map(DiscountRow::into_domain)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
    }

    async fn delete(&self, id: DiscountId, audit: Option<AuditEntry>) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            let n = diesel::delete(discounts::table.find(*id.as_uuid()))
                .execute(tx)
                .await?;
            crate::audit_log::recorded_if_one(tx, n, audit).await
        })
        .await
        .map_err(store_error)
    }

    async fn uses_by_customer(&self, id: DiscountId, customer: &str) -> Result<i64, StoreError> {
        let mut c = conn(&self.pool).await?;
        discount_redemptions::table
            .filter(discount_redemptions::discount_id.eq(*id.as_uuid()))
            .filter(discount_redemptions::customer.eq(customer))
            .count()
            .get_result(&mut c)
            .await
            .map_err(store_error)
    }
}
