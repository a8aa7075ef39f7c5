use std::collections::HashSet;

use merx_kernel::{Currency, Timestamp, ValidationErrors, has_control_chars, is_country_code};
use serde::{Deserialize, Serialize};

use crate::patch::sent;
use crate::{Destination, PricingError, Rate};

merx_kernel::typed_id!(
    /// Identifies a shipping zone.
    ShippingZoneId
);

/// Countries (optionally narrowed to states) and the methods offered there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingZone {
    pub id: ShippingZoneId,
    pub name: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub countries: Vec<String>,
    /// Upper case; empty means every state of the countries.
    pub states: Vec<String>,
    pub methods: Vec<ShippingMethod>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A way to ship within a zone, priced per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingMethod {
    /// `standard`, `express`, `overnight`, `same_day`…: what sessions and orders store.
    pub code: String,
    pub name: String,
    pub estimated_days_min: u32,
    pub estimated_days_max: u32,
    /// Added to the price: this share of the goods value after discount.
    #[serde(default)]
    pub percent_of_value: Rate,
    /// Availability rule: when not empty, only these cities (case-insensitive).
    #[serde(default)]
    pub cities: Vec<String>,
    #[serde(default = "yes")]
    pub is_active: bool,
    /// One price list per currency a cart may be in; no entry, not offered to such carts.
    pub rates: Vec<MethodRate>,
}

const fn yes() -> bool {
    true
}

/// The price of a method in one currency, in its minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodRate {
    pub currency: Currency,
    pub base: i64,
    /// Per started kilogram of the order's weight.
    #[serde(default)]
    pub per_kg: i64,
    /// Goods value (after discount) at or above which this method is free.
    #[serde(default)]
    pub free_over: Option<i64>,
}

/// What an admin (or the shipped defaults file) sends to create or replace a zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingZoneInput {
    pub name: String,
    pub countries: Vec<String>,
    #[serde(default)]
    pub states: Vec<String>,
    pub methods: Vec<ShippingMethod>,
}

impl From<&ShippingZone> for ShippingZoneInput {
    fn from(z: &ShippingZone) -> Self {
        Self {
            name: z.name.clone(),
            countries: z.countries.clone(),
            states: z.states.clone(),
            methods: z.methods.clone(),
        }
    }
}

impl ShippingZoneInput {
    /// The zone this (normalised) input describes.
    #[must_use]
    pub fn into_zone(
        self,
        id: ShippingZoneId,
        created_at: Timestamp,
        updated_at: Timestamp,
    ) -> ShippingZone {
        ShippingZone {
            id,
            name: self.name,
            countries: self.countries,
            states: self.states,
            methods: self.methods,
            created_at,
            updated_at,
        }
    }

    /// Normalised and checked: codes unique within the zone, one rate per currency, no
    /// negative amounts.
    ///
    /// # Errors
    /// Every invalid field, with its path (`methods[1].rates[0].base`).
    pub fn normalized(mut self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > 100 || has_control_chars(&self.name)
        {
            errors.add("name", "must be 1 to 100 characters");
        }
        for c in &mut self.countries {
            *c = c.trim().to_ascii_uppercase();
        }
        if self.countries.is_empty() || self.countries.iter().any(|c| !is_country_code(c)) {
            errors.add("countries", "must list ISO 3166-1 alpha-2 codes such as US");
        }
        for s in &mut self.states {
            *s = s.trim().to_uppercase();
        }
        if self
            .states
            .iter()
            .any(|s| s.is_empty() || s.chars().count() > 10 || has_control_chars(s))
        {
            errors.add("states", "must list region codes of 1 to 10 characters");
        }
        let mut codes = HashSet::new();
        for (i, m) in self.methods.iter_mut().enumerate() {
            m.check(&format!("methods[{i}]."), &mut errors);
            if !codes.insert(m.code.clone()) {
                errors.add(format!("methods[{i}].code"), "is used twice in this zone");
            }
        }
        errors.into_result()?;
        Ok(self)
    }
}

/// A shipping method's code as zones, quotes and orders store it (`" Express"` is
/// `express`): the one spelling every comparison uses.
#[must_use]
pub fn method_code(raw: &str) -> String {
    raw.trim().to_ascii_lowercase()
}

/// What an admin sends to change a zone (`PATCH`): only the fields sent, each read as
/// [`ShippingZoneInput`] reads it; `methods`, when sent, replaces the whole list (see
/// `patch.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ShippingZonePatch {
    #[serde(default, deserialize_with = "sent")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "sent")]
    pub countries: Option<Vec<String>>,
    #[serde(default, deserialize_with = "sent")]
    pub states: Option<Vec<String>>,
    #[serde(default, deserialize_with = "sent")]
    pub methods: Option<Vec<ShippingMethod>>,
}

impl ShippingZonePatch {
    /// `input` with the fields sent laid over it.
    #[must_use]
    pub fn over(&self, input: ShippingZoneInput) -> ShippingZoneInput {
        let p = self.clone();
        ShippingZoneInput {
            name: p.name.unwrap_or(input.name),
            countries: p.countries.unwrap_or(input.countries),
            states: p.states.unwrap_or(input.states),
            methods: p.methods.unwrap_or(input.methods),
        }
    }
}

impl ShippingMethod {
    fn check(&mut self, at: &str, errors: &mut ValidationErrors) {
        self.code = method_code(&self.code);
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 32
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            errors.add(format!("{at}code"), "must be 1 to 32 of a-z, 0-9 and _");
        }
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > 100 || has_control_chars(&self.name)
        {
            errors.add(format!("{at}name"), "must be 1 to 100 characters");
        }
        if self.estimated_days_min > self.estimated_days_max || self.estimated_days_max > 365 {
            errors.add(
                format!("{at}estimated_days_max"),
                "must be at least estimated_days_min and at most 365",
            );
        }
        self.cities = self
            .cities
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        if self
            .cities
            .iter()
            .any(|c| c.chars().count() > 100 || has_control_chars(c))
        {
            errors.add(
                format!("{at}cities"),
                "must list names of at most 100 characters",
            );
        }
        let mut currencies = HashSet::new();
        for (j, r) in self.rates.iter().enumerate() {
            if !currencies.insert(r.currency) {
                errors.add(format!("{at}rates[{j}].currency"), "is listed twice");
            }
            for (field, value) in [
                ("base", Some(r.base)),
                ("per_kg", Some(r.per_kg)),
                ("free_over", r.free_over),
            ] {
                if value.is_some_and(|v| !(0..=1_000_000_000_000).contains(&v)) {
                    errors.add(
                        format!("{at}rates[{j}].{field}"),
                        "must be between 0 and 10^12 minor units",
                    );
                }
            }
        }
    }

    /// The price list for `currency`, when the method is active, priced in that currency and
    /// allowed for the destination's city.
    #[must_use]
    pub fn offered(&self, to: &Destination, currency: Currency) -> Option<&MethodRate> {
        if !self.is_active {
            return None;
        }
        if !self.cities.is_empty() {
            let city = to.city.as_deref()?.trim().to_lowercase();
            if !self.cities.iter().any(|c| c.to_lowercase() == city) {
                return None;
            }
        }
        self.rates.iter().find(|r| r.currency == currency)
    }

    /// The price for goods worth `goods_value` (after discount) weighing `weight_grams`:
    /// free at or above the threshold, else base + per started kg + the share of value.
    ///
    /// # Errors
    /// [`PricingError::Overflow`] for absurd weights or amounts.
    pub fn price(
        &self,
        rate: &MethodRate,
        goods_value: i64,
        weight_grams: i64,
    ) -> Result<i64, PricingError> {
        if rate.free_over.is_some_and(|t| goods_value >= t) {
            return Ok(0);
        }
        let grams = weight_grams.max(0);
        let kilos = grams / 1000 + i64::from(grams % 1000 != 0);
        rate.per_kg
            .checked_mul(kilos)
            .and_then(|w| w.checked_add(rate.base))
            .and_then(|p| p.checked_add(self.percent_of_value.of(goods_value.max(0))))
            .ok_or(PricingError::Overflow)
    }
}

impl ShippingZone {
    /// This zone as `patch` changes it at `now`: the fields sent laid over the stored ones,
    /// the result normalised and checked as a new zone is ([`ShippingZoneInput::normalized`]);
    /// its creation stays.
    ///
    /// # Errors
    /// Every invalid field of the result.
    pub fn patched(
        &self,
        patch: &ShippingZonePatch,
        now: Timestamp,
    ) -> Result<Self, ValidationErrors> {
        let input = patch.over(ShippingZoneInput::from(self)).normalized()?;
        Ok(input.into_zone(self.id, self.created_at, now))
    }

    #[must_use]
    pub fn covers(&self, to: &Destination) -> bool {
        self.countries.contains(&to.country)
            && (self.states.is_empty()
                || to.state.as_ref().is_some_and(|s| self.states.contains(s)))
    }

    /// The zone whose methods apply: one naming the destination's state beats one covering
    /// the whole country; among equals, the oldest.
    #[must_use]
    pub fn for_destination<'a>(zones: &'a [Self], to: &Destination) -> Option<&'a Self> {
        zones
            .iter()
            .filter(|z| z.covers(to))
            .min_by_key(|z| (z.states.is_empty(), z.created_at, z.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(cities: &[&str]) -> ShippingMethod {
        ShippingMethod {
            code: "standard".into(),
            name: "Standard".into(),
            estimated_days_min: 2,
            estimated_days_max: 5,
            percent_of_value: Rate::ZERO,
            cities: cities.iter().map(|c| (*c).to_owned()).collect(),
            is_active: true,
            rates: vec![MethodRate {
                currency: Currency::Usd,
                base: 500,
                per_kg: 150,
                free_over: Some(10_000),
            }],
        }
    }

    fn seoul() -> Destination {
        Destination::new("KR", None, Some("seoul"), "04524", "").expect("valid")
    }

    #[test]
    fn price_is_base_plus_started_kilos_plus_share_of_value_unless_free() {
        let mut m = method(&[]);
        let rate = m.rates[0];
        assert_eq!(m.price(&rate, 5_000, 0), Ok(500));
        assert_eq!(m.price(&rate, 5_000, 1), Ok(650), "a started kilo counts");
        assert_eq!(m.price(&rate, 5_000, 2_000), Ok(800));
        assert_eq!(
            m.price(&rate, 10_000, 9_000),
            Ok(0),
            "free at the threshold"
        );
        m.percent_of_value = "1.5".parse().expect("rate");
        assert_eq!(
            m.price(&rate, 9_999, 0),
            Ok(500 + 150),
            "1.5% of 99.99 is 1.50"
        );
        let heavy = MethodRate {
            per_kg: 1_000_000,
            ..rate
        };
        assert_eq!(
            m.price(&heavy, 5_000, i64::MAX),
            Err(PricingError::Overflow)
        );
    }

    #[test]
    fn city_rules_and_currencies_decide_what_is_offered() {
        let same_day = method(&["Seoul"]);
        assert!(same_day.offered(&seoul(), Currency::Usd).is_some());
        let busan = Destination::new("KR", None, Some("Busan"), "48058", "").expect("valid");
        assert!(same_day.offered(&busan, Currency::Usd).is_none());
        assert!(
            same_day.offered(&seoul(), Currency::Krw).is_none(),
            "no KRW price"
        );
        let mut off = method(&[]);
        off.is_active = false;
        assert!(off.offered(&seoul(), Currency::Usd).is_none());
    }

    #[test]
    fn zone_input_is_checked_field_by_field() {
        let input = ShippingZoneInput {
            name: "  ".into(),
            countries: vec!["usa".into()],
            states: vec![],
            methods: vec![method(&[]), method(&[])],
        };
        let err = input.normalized().expect_err("invalid");
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "countries", "methods[1].code"]);
    }

    #[test]
    fn a_patched_zone_keeps_its_methods_unless_they_are_sent() {
        let at = chrono::Utc::now();
        let stored = ShippingZoneInput {
            name: "Korea".into(),
            countries: vec!["KR".into()],
            states: vec![],
            methods: vec![method(&["Seoul"])],
        }
        .into_zone(ShippingZoneId::new(), at, at);
        let later = at + chrono::Duration::minutes(1);
        let renamed = ShippingZonePatch {
            name: Some("  Korea (all) ".into()),
            ..ShippingZonePatch::default()
        };
        assert_eq!(
            stored.patched(&renamed, later).expect("valid"),
            ShippingZone {
                name: "Korea (all)".into(),
                updated_at: later,
                ..stored.clone()
            }
        );
        let twice = ShippingZonePatch {
            methods: Some(vec![method(&[]), method(&[])]),
            ..ShippingZonePatch::default()
        };
        let err = stored.patched(&twice, later).expect_err("a code twice");
        assert_eq!(err.fields[0].field, "methods[1].code");
    }
}
