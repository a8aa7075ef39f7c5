//! The OpenAPI shapes of what admins send to create or replace discount codes, tax rates and
//! shipping zones. The handlers read `merx-pricing`'s own inputs (`DiscountInput`,
//! `TaxRateInput`, `ShippingZoneInput`); these mirror their fields so the document says which
//! are required and what ranges they take. A test parses each example with the domain type.

use serde::Deserialize;
use utoipa::ToSchema;

/// A discount code (spec §11).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"code": "WELCOME10", "type": "percentage", "value": 10, "usage_limit": 100}))]
pub struct DiscountRequest {
    #[schema(min_length = 1, max_length = 50)]
    pub code: String,
    /// `percentage` or `fixed_amount`.
    #[serde(rename = "type")]
    #[schema(pattern = "^(percentage|fixed_amount)$")]
    pub kind: String,
    /// Percent (1 to 100) for `percentage`; minor units of `currency` for `fixed_amount`.
    #[schema(minimum = 1)]
    pub value: i64,
    /// ISO 4217; required for `fixed_amount` and for a minimum.
    pub currency: Option<String>,
    #[schema(minimum = 0)]
    pub minimum_order_amount: Option<i64>,
    #[schema(minimum = 1)]
    pub usage_limit: Option<i64>,
    #[schema(minimum = 1)]
    pub usage_limit_per_customer: Option<i64>,
    pub starts_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Default true.
    pub is_active: Option<bool>,
}

/// A tax rate for a country, or a state of it.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"country": "US", "state": "CA", "name": "California", "rate": "7.25"}))]
pub struct TaxRateRequest {
    /// ISO 3166-1 alpha-2.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: String,
    pub state: Option<String>,
    #[schema(min_length = 1)]
    pub name: String,
    /// Percent as an exact decimal string, `"0"` to `"100"`, e.g. `"7.25"`.
    pub rate: String,
    /// Default false.
    pub tax_shipping: Option<bool>,
    /// Default false.
    pub business_exemption: Option<bool>,
}

/// A method's price in one currency, in its minor units.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MethodRateRequest {
    pub currency: String,
    #[schema(minimum = 0)]
    pub base: i64,
    #[schema(minimum = 0)]
    pub per_kg: Option<i64>,
    #[schema(minimum = 0)]
    pub free_over: Option<i64>,
}

/// A way to ship within a zone.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ShippingMethodRequest {
    #[schema(min_length = 1)]
    pub code: String,
    #[schema(min_length = 1)]
    pub name: String,
    #[schema(minimum = 0)]
    pub estimated_days_min: u32,
    #[schema(minimum = 0)]
    pub estimated_days_max: u32,
    /// A decimal percent string of the goods value added to the price.
    pub percent_of_value: Option<String>,
    pub cities: Option<Vec<String>>,
    /// Default true.
    pub is_active: Option<bool>,
    pub rates: Vec<MethodRateRequest>,
}

/// A shipping zone: countries (optionally narrowed to states) and their methods.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Korea", "countries": ["KR"], "methods": [{"code": "standard",
    "name": "Standard", "estimated_days_min": 1, "estimated_days_max": 3,
    "rates": [{"currency": "KRW", "base": 3000}]}]}))]
pub struct ShippingZoneRequest {
    #[schema(min_length = 1)]
    pub name: String,
    #[schema(min_items = 1)]
    pub countries: Vec<String>,
    pub states: Option<Vec<String>>,
    pub methods: Vec<ShippingMethodRequest>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each documented example is what the domain reads: the mirror has not drifted.
    #[test]
    fn the_examples_parse_as_the_domains_inputs() {
        fn example<T: ToSchema>() -> serde_json::Value {
            let schema = serde_json::to_value(T::schema()).expect("schema");
            schema["example"].clone()
        }
        let d: merx_pricing::DiscountInput =
            serde_json::from_value(example::<DiscountRequest>()).expect("discount");
        assert_eq!(d.code, "WELCOME10");
        let t: merx_pricing::TaxRateInput =
            serde_json::from_value(example::<TaxRateRequest>()).expect("tax rate");
        assert_eq!(t.country, "US");
        let z: merx_pricing::ShippingZoneInput =
            serde_json::from_value(example::<ShippingZoneRequest>()).expect("zone");
        assert_eq!(z.methods.len(), 1);
    }
}
