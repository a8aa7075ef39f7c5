use merx_kernel::{Timestamp, ValidationErrors, has_control_chars, is_country_code};
use serde::{Deserialize, Serialize};

use crate::patch::sent;
use crate::{Destination, Rate};

merx_kernel::typed_id!(
    /// Identifies a tax rate row.
    TaxRateId
);

/// The tax of one zone: a country, or a state/province of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRate {
    pub id: TaxRateId,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// Upper case; `None` is the whole country (used when no state-specific rate exists).
    pub state: Option<String>,
    pub name: String,
    pub rate: Rate,
    /// Whether shipping is taxed in this zone.
    pub tax_shipping: bool,
    /// Whether a business customer with a tax id is exempt here (B2B reverse charge).
    pub business_exemption: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What an admin (or the shipped defaults file) sends to create or replace a tax rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRateInput {
    pub country: String,
    #[serde(default)]
    pub state: Option<String>,
    pub name: String,
    pub rate: Rate,
    #[serde(default)]
    pub tax_shipping: bool,
    #[serde(default)]
    pub business_exemption: bool,
}

impl From<&TaxRate> for TaxRateInput {
    fn from(r: &TaxRate) -> Self {
        Self {
            country: r.country.clone(),
            state: r.state.clone(),
            name: r.name.clone(),
            rate: r.rate,
            tax_shipping: r.tax_shipping,
            business_exemption: r.business_exemption,
        }
    }
}

impl TaxRateInput {
    /// The rate this (normalised) input describes.
    #[must_use]
    pub fn into_rate(self, id: TaxRateId, created_at: Timestamp, updated_at: Timestamp) -> TaxRate {
        TaxRate {
            id,
            country: self.country,
            state: self.state,
            name: self.name,
            rate: self.rate,
            tax_shipping: self.tax_shipping,
            business_exemption: self.business_exemption,
            created_at,
            updated_at,
        }
    }

    /// Normalised (country and state upper case, name trimmed) and checked.
    ///
    /// # Errors
    /// Every invalid field.
    pub fn normalized(mut self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        self.country = self.country.trim().to_ascii_uppercase();
        if !is_country_code(&self.country) {
            errors.add("country", "must be an ISO 3166-1 alpha-2 code such as US");
        }
        self.state = self
            .state
            .map(|s| s.trim().to_uppercase())
            .filter(|s| !s.is_empty());
        if let Some(state) = &self.state
            && (state.chars().count() > 10 || has_control_chars(state))
        {
            errors.add("state", "must be a region code of at most 10 characters");
        }
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > 100 || has_control_chars(&self.name)
        {
            errors.add("name", "must be 1 to 100 characters");
        }
        errors.into_result()?;
        Ok(self)
    }
}

/// What an admin sends to change a tax rate (`PATCH`): only the fields sent, each read as
/// [`TaxRateInput`] reads it; `"state": null` makes it country-wide (see `patch.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TaxRatePatch {
    #[serde(default, deserialize_with = "sent")]
    pub country: Option<String>,
    #[serde(default, deserialize_with = "sent")]
    pub state: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "sent")]
    pub rate: Option<Rate>,
    #[serde(default, deserialize_with = "sent")]
    pub tax_shipping: Option<bool>,
    #[serde(default, deserialize_with = "sent")]
    pub business_exemption: Option<bool>,
}

impl TaxRatePatch {
    /// `input` with the fields sent laid over it.
    #[must_use]
    pub fn over(&self, input: TaxRateInput) -> TaxRateInput {
        let p = self.clone();
        TaxRateInput {
            country: p.country.unwrap_or(input.country),
            state: p.state.unwrap_or(input.state),
            name: p.name.unwrap_or(input.name),
            rate: p.rate.unwrap_or(input.rate),
            tax_shipping: p.tax_shipping.unwrap_or(input.tax_shipping),
            business_exemption: p.business_exemption.unwrap_or(input.business_exemption),
        }
    }
}

impl TaxRate {
    /// This rate as `patch` changes it at `now`: the fields sent laid over the stored ones,
    /// the result normalised and checked as a new rate is ([`TaxRateInput::normalized`]); its
    /// creation stays.
    ///
    /// # Errors
    /// Every invalid field of the result.
    pub fn patched(&self, patch: &TaxRatePatch, now: Timestamp) -> Result<Self, ValidationErrors> {
        let input = patch.over(TaxRateInput::from(self)).normalized()?;
        Ok(input.into_rate(self.id, self.created_at, now))
    }
}

/// Every tax rate, looked up by destination.
#[derive(Debug, Clone, Default)]
pub struct TaxTable {
    pub rates: Vec<TaxRate>,
}

impl TaxTable {
    /// The rate that applies at the destination, or why none can be chosen: a country taxed
    /// by state only (the US) needs a state this table knows, or tax would silently be 0.
    ///
    /// # Errors
    /// A `shipping_address.state` validation error.
    pub fn rate_at(&self, to: &Destination) -> Result<Option<&TaxRate>, ValidationErrors> {
        let found = self.rate_for(to);
        let by_state_only = self.rates.iter().any(|r| r.country == to.country)
            && !self
                .rates
                .iter()
                .any(|r| r.country == to.country && r.state.is_none());
        if found.is_none() && by_state_only {
            return Err(ValidationErrors::single(
                "shipping_address.state",
                format!(
                    "{} is taxed by state: send a state code this shop knows, such as {}",
                    to.country,
                    self.rates
                        .iter()
                        .find_map(|r| (r.country == to.country).then(|| r.state.clone()).flatten())
                        .unwrap_or_default()
                ),
            ));
        }
        Ok(found)
    }

    /// The rate of the destination's state when there is one, else its country's.
    #[must_use]
    pub fn rate_for(&self, to: &Destination) -> Option<&TaxRate> {
        let in_country = || self.rates.iter().filter(|r| r.country == to.country);
        to.state
            .as_ref()
            .and_then(|state| in_country().find(|r| r.state.as_ref() == Some(state)))
            .or_else(|| in_country().find(|r| r.state.is_none()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(country: &str, state: Option<&str>, percent: &str) -> TaxRate {
        TaxRate {
            id: TaxRateId::new(),
            country: country.into(),
            state: state.map(Into::into),
            name: format!("{country} {state:?}"),
            rate: percent.parse().expect("rate"),
            tax_shipping: false,
            business_exemption: false,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    fn to(country: &str, state: Option<&str>, postal: &str) -> Destination {
        Destination::new(country, state, None, postal, "").expect("destination")
    }

    #[test]
    fn the_state_rate_wins_over_the_country_rate() {
        let table = TaxTable {
            rates: vec![
                rate("US", Some("CA"), "7.25"),
                rate("US", Some("NY"), "4"),
                rate("KR", None, "10"),
            ],
        };
        let ca = table.rate_for(&to("US", Some("ca"), "94105")).expect("CA");
        assert_eq!(ca.rate.to_string(), "7.25");
        assert!(table.rate_for(&to("US", Some("OR"), "97201")).is_none());
        let kr = table
            .rate_for(&to("KR", Some("Seoul"), "04524"))
            .expect("KR");
        assert_eq!(kr.rate.to_string(), "10");
        assert!(table.rate_for(&to("JO", None, "11181")).is_none());
    }

    #[test]
    fn a_patched_rate_keeps_what_was_not_sent_and_is_checked_whole() {
        let mut stored = rate("US", Some("CA"), "7.25");
        stored.tax_shipping = true;
        let later = stored.created_at + chrono::Duration::minutes(1);
        let patch: TaxRatePatch =
            serde_json::from_value(serde_json::json!({"rate": "8", "state": null})).expect("patch");
        let patched = stored.patched(&patch, later).expect("valid");
        assert_eq!(
            patched,
            TaxRate {
                state: None,
                rate: "8".parse().expect("rate"),
                updated_at: later,
                ..stored.clone()
            }
        );
        let bad = TaxRatePatch {
            country: Some("USA".into()),
            ..TaxRatePatch::default()
        };
        let err = stored.patched(&bad, later).expect_err("not a country code");
        assert_eq!(err.fields[0].field, "country");
        assert!(
            serde_json::from_value::<TaxRatePatch>(serde_json::json!({"tax_shipping": null}))
                .is_err(),
            "a flag cannot be cleared"
        );
    }
}
